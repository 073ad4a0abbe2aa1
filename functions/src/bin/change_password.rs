//! Lambda entry point: `PUT /v1/accounts/me/password`.

functions::http_lambda!(functions::security::change_password::handle);
