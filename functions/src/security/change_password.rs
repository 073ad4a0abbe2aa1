//! `PUT /v1/accounts/me/password`: change the password under operation protection; optionally
//! sign out every other session.

use crate::api::{json_response, ApiResult};
use crate::extract::{AuthedUser, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::password::Password;
use shared::usecases::security::change_password;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordBody {
    current_password: Password,
    new_password: Password,
    #[serde(default)]
    revoke_other_sessions: bool,
}

pub async fn handle(
    state: &AppState,
    AuthedUser(principal): AuthedUser,
    Json(b): Json<ChangePasswordBody>,
) -> ApiResult {
    let revoked =
        change_password(&state.services, &principal, &b.current_password, &b.new_password, b.revoke_other_sessions)
            .await?;
    Ok(json_response(StatusCode::OK, &crate::answers::PasswordChanged { changed: true, sessions_revoked: revoked }))
}
