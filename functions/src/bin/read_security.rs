//! Lambda entry point: `GET /v1/security`.

functions::http_lambda!(functions::security::read_security::handle);
