//! Lambda entry point: `POST /v1/accounts/me/email-codes`.

functions::http_lambda!(functions::contact::send_email_code::handle);
