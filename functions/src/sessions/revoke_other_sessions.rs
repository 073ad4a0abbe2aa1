//! `DELETE /v1/sessions/others`: sign out every session but this one.

use crate::api::{json_response, ApiResult};
use crate::extract::AuthedUser;
use crate::AppState;
use http::StatusCode;
use shared::usecases::sessions::revoke_other_sessions;

pub async fn handle(state: &AppState, AuthedUser(principal): AuthedUser) -> ApiResult {
    let revoked = revoke_other_sessions(&state.services, &principal).await?;
    Ok(json_response(StatusCode::OK, &crate::answers::Revoked { revoked }))
}
