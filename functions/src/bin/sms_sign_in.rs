//! Lambda entry point: `POST /v1/sessions/sms`.

functions::http_lambda!(functions::sessions::sms_sign_in::handle);
