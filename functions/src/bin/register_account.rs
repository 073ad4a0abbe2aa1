//! Lambda entry point: `POST /v1/accounts`.

functions::http_lambda!(functions::accounts::register_account::handle);
