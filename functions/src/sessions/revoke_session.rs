//! `DELETE /v1/sessions/{session_id}`: revoke one of my sessions.

use crate::api::{no_content, ApiResult};
use crate::extract::{AuthedUser, SessionId};
use crate::AppState;
use shared::usecases::sessions::revoke_session;

pub async fn handle(
    state: &AppState,
    AuthedUser(principal): AuthedUser,
    SessionId(session_id): SessionId,
) -> ApiResult {
    revoke_session(&state.services, &principal, &session_id).await?;
    Ok(no_content())
}
