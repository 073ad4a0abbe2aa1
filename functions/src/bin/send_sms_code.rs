//! Lambda entry point: `POST /v1/sms-codes`.

functions::http_lambda!(functions::codes::send_sms_code::handle);
