//! Lambda entry point: `POST /v1/mfa/totp/confirm`.

functions::http_lambda!(functions::mfa::confirm_totp_binding::handle);
