//! Lambda entry point: `POST /v1/sessions/second-factor/sms-codes`.

functions::http_lambda!(functions::sessions::send_sign_in_code::handle);
