//! `POST /v1/mfa/totp/confirm`: finish the binding with two consecutive codes; answers the ten
//! recovery codes, shown this once [MFA-3].

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::usecases::security::confirm_totp_binding;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ConfirmTotpBody")]
pub struct ConfirmBody {
    binding_id: shared::domain::ids::FlowId,
    first_code: String,
    second_code: String,
    #[serde(default)]
    revoke_other_sessions: bool,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(b): Json<ConfirmBody>) -> ApiResult {
    let (codes, revoked) = confirm_totp_binding(
        &state.services,
        &principal,
        &b.binding_id,
        &b.first_code,
        &b.second_code,
        b.revoke_other_sessions,
    )
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &crate::answers::TotpBound { bound: true, recovery_codes: codes, sessions_revoked: revoked },
    ))
}
