//! `GET /v1/sessions`: my live sessions, newest first, the current one marked.

use crate::api::{json_response, ApiResult};
use crate::extract::AuthedUser;
use crate::AppState;
use http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use shared::usecases::sessions::list_sessions;

pub async fn handle(state: &AppState, AuthedUser(principal): AuthedUser) -> ApiResult {
    let sessions = list_sessions(&state.services, &principal).await?;
    let sessions = sessions
        .into_iter()
        .map(|(s, current)| Listed {
            id: s.session_id.as_str().to_owned(),
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            sign_in_method: s.method,
            user_agent: s.user_agent,
            current,
        })
        .collect();
    Ok(json_response(StatusCode::OK, &SessionsAnswer { sessions }))
}

/// My live sessions.
#[derive(Serialize, JsonSchema)]
pub struct SessionsAnswer {
    sessions: Vec<Listed>,
}

#[derive(Serialize, JsonSchema)]
pub struct Listed {
    id: String,
    /// RFC 3339.
    created_at: String,
    /// RFC 3339 (to the minute: activity is marked once a minute).
    last_seen_at: String,
    /// `password`, `sms`, `qr`, `third_party`.
    sign_in_method: String,
    user_agent: String,
    /// The session asking.
    current: bool,
}
