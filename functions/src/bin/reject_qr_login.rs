//! Lambda entry point: `POST /v1/qr-logins/{ticket_id}/reject`.

functions::http_lambda!(functions::qr::app_steps::reject);
