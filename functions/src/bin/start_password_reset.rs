//! Lambda entry point: `POST /v1/password-resets`.

functions::http_lambda!(functions::recovery::password_reset::start);
