//! Lambda entry point: `GET /v1/accounts/me`.

functions::http_lambda!(functions::accounts::read_account::handle);
