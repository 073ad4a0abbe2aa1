//! Lambda entry point: `DELETE /v1/sessions/current`.

functions::http_lambda!(functions::sessions::sign_out::handle);
