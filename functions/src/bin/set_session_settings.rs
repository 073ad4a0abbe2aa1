//! Lambda entry point: `PUT /v1/security/session-settings`.

functions::http_lambda!(functions::security::set_session_settings::handle);
