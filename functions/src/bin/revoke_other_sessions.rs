//! Lambda entry point: `DELETE /v1/sessions/others`.

functions::http_lambda!(functions::sessions::revoke_other_sessions::handle);
