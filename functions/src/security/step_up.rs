//! `POST /v1/step-up`: pass a second factor (SMS, TOTP or recovery code) on this session;
//! sensitive operations are allowed for five minutes [MFA-1, MFA-2].

use crate::api::{json_response, ApiResult};
use crate::extract::{AuthedUser, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::security::Factor;
use shared::usecases::factors::FactorProof;
use shared::usecases::security::step_up;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepUpBody {
    factor: Factor,
    code: String,
    challenge_id: Option<shared::domain::ids::ChallengeId>,
}

pub async fn handle(state: &AppState, AuthedUser(principal): AuthedUser, Json(b): Json<StepUpBody>) -> ApiResult {
    let proof = FactorProof { factor: b.factor, code: b.code.into(), challenge_id: b.challenge_id };
    let until = step_up(&state.services, &principal, proof).await?;
    Ok(json_response(StatusCode::CREATED, &crate::answers::SteppedUp { step_up_expires_at: until }))
}
