//! Lambda entry point: `GET /v1/sessions`.

functions::http_lambda!(functions::sessions::list_sessions::handle);
