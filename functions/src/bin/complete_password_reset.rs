//! Lambda entry point: `POST /v1/password-resets/{reset_id}/complete`.

functions::http_lambda!(functions::recovery::password_reset::complete);
