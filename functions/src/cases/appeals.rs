//! Appeals with uploaded material, answered within 5 working days:
//! `POST /v1/appeals/mfa-unbind` (a lost virtual MFA device) [MFA-5] and
//! `POST /v1/appeals/phone-rebind` (the old phone is unusable; the new one proven by a code of
//! purpose `phone-rebind`) [ACC-4].

use super::{case_body, MaterialBody};
use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::code::Code;
use shared::domain::ids::ChallengeId;
use shared::domain::phone::Phone;
use shared::usecases::cases::{appeal_mfa_unbind, appeal_phone_rebind};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaUnbindBody {
    /// Person: `id-card-front`, `id-card-back` (held by the person), `application-letter`
    /// (the signed unbind letter), `payment-proof`.
    material: MaterialBody,
}

pub async fn mfa_unbind(state: &AppState, Authed(principal): Authed, Json(body): Json<MfaUnbindBody>) -> ApiResult {
    let case = appeal_mfa_unbind(&state.services, &principal, &body.material.0).await?;
    Ok(json_response(StatusCode::CREATED, &case_body(&case, state.services.clock.now())))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneRebindBody {
    new_phone: Phone,
    challenge_id: ChallengeId,
    code: Code,
    /// Person: `id-card-front`, `id-card-back` (held by the person), `application-letter`
    /// (the signed rebind letter), `payment-proof`.
    material: MaterialBody,
}

pub async fn phone_rebind(state: &AppState, Authed(principal): Authed, Json(b): Json<PhoneRebindBody>) -> ApiResult {
    let case =
        appeal_phone_rebind(&state.services, &principal, &b.new_phone, &b.challenge_id, &b.code, &b.material.0).await?;
    Ok(json_response(StatusCode::CREATED, &case_body(&case, state.services.clock.now())))
}
