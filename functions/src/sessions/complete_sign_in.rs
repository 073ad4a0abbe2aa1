//! `POST /v1/sessions/second-factor`: complete a pending sign-in with SMS, TOTP or a recovery
//! code; the session is issued exactly once [LOGIN-3, MFA-1].

use super::session_body;
use crate::api::{json_response, ApiResult};
use crate::extract::Json;
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::security::Factor;
use shared::usecases::factors::FactorProof;
use shared::usecases::sign_in::complete_sign_in;
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CompleteSignInBody")]
pub struct CompleteBody {
    sign_in_id: shared::domain::ids::FlowId,
    factor: Factor,
    code: String,
    challenge_id: Option<shared::domain::ids::ChallengeId>,
}

pub async fn handle(state: &AppState, Json(b): Json<CompleteBody>, caller: Caller) -> ApiResult {
    let signed_in = complete_sign_in(
        &state.services,
        &b.sign_in_id,
        FactorProof { factor: b.factor, code: b.code.into(), challenge_id: b.challenge_id },
        &caller,
    )
    .await?;
    Ok(json_response(StatusCode::CREATED, &session_body(&signed_in)))
}
