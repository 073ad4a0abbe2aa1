//! Lambda entry point: `POST /v1/sessions/second-factor/totp-binding/confirmation`.

functions::http_lambda!(functions::sub_users::sign_in::confirm_binding);
