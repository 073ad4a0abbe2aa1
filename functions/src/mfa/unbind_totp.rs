//! `POST /v1/mfa/totp/unbind`: unbind the device with a current code [MFA-4]; needs a step-up.
//! Optionally signs out every other session.

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::usecases::security::unbind_totp;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "UnbindTotpBody")]
pub struct UnbindBody {
    code: String,
    #[serde(default)]
    revoke_other_sessions: bool,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(b): Json<UnbindBody>) -> ApiResult {
    let revoked = unbind_totp(&state.services, &principal, &b.code, b.revoke_other_sessions).await?;
    Ok(json_response(StatusCode::OK, &crate::answers::TotpUnbound { unbound: true, sessions_revoked: revoked }))
}
