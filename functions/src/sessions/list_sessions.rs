//! `GET /v1/sessions`: my live sessions, newest first, the current one marked.

use crate::api::{json_response, ApiResult};
use crate::extract::AuthedUser;
use crate::AppState;
use http::StatusCode;
use serde_json::json;
use shared::usecases::sessions::list_sessions;

pub async fn handle(state: &AppState, AuthedUser(principal): AuthedUser) -> ApiResult {
    let sessions = list_sessions(&state.services, &principal).await?;
    let items: Vec<_> = sessions
        .into_iter()
        .map(|(s, current)| {
            json!({
                "id": s.session_id, "created_at": s.created_at, "last_seen_at": s.last_seen_at,
                "sign_in_method": s.method, "user_agent": s.user_agent, "current": current,
            })
        })
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "sessions": items })))
}
