//! Lambda entry point: `POST /v1/sessions`.

functions::http_lambda!(functions::sessions::sign_in::handle);
