//! Lambda entry point: `PUT /v1/security/protection`.

functions::http_lambda!(functions::security::set_protection::handle);
