//! Lambda entry point: `POST /v1/accounts/me/activation`.

functions::http_lambda!(functions::accounts::activate::handle);
