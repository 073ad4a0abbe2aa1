//! Lambda entry point: `POST /v1/mfa/totp`.

functions::http_lambda!(functions::mfa::start_totp_binding::handle);
