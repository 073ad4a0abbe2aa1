//! Lambda entry point: `DELETE /v1/sessions/{session_id}`.

functions::http_lambda!(functions::sessions::revoke_session::handle);
