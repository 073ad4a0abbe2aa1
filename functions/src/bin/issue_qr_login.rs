//! Lambda entry point: `POST /v1/qr-logins`.

functions::http_lambda!(functions::qr::issue_ticket::handle);
