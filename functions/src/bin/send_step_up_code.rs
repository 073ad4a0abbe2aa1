//! Lambda entry point: `POST /v1/step-up/sms-codes`.

functions::http_lambda!(functions::security::send_step_up_code::handle);
