//! Lambda entry point: `POST /v1/qr-logins/{ticket_id}/poll`.

functions::http_lambda!(functions::qr::poll_ticket::handle);
