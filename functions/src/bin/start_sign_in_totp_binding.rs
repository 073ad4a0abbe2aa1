//! Lambda entry point: `POST /v1/sessions/second-factor/totp-binding`.

functions::http_lambda!(functions::sub_users::sign_in::start_binding);
