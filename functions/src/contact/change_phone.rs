//! Changing the bound phone [ACC-2], three Lambdas:
//! `POST /v1/accounts/me/phone-changes` (operation-protected; a code to the old phone),
//! `POST /v1/accounts/me/phone-changes/{change_id}/old-phone` (`{"code", "new_phone"}`; a code
//! to the new phone), `POST /v1/accounts/me/phone-changes/{change_id}/new-phone` (`{"code"}`).

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, ChangeId, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::code::Code;
use shared::domain::phone::Phone;
use shared::usecases::contact::{start_phone_change, verify_new_phone, verify_old_phone, PhoneChangeStep};
use shared::usecases::Caller;

fn step_body(step: &PhoneChangeStep) -> crate::answers::PhoneChangeStep {
    crate::answers::PhoneChangeStep {
        change_id: step.change_id.as_str().to_owned(),
        challenge_id: step.code.challenge_id.as_str().to_owned(),
        sent_to: step.sent_to.clone(),
        expires_at: step.code.expires_at,
    }
}

pub async fn start(state: &AppState, Authed(principal): Authed, caller: Caller) -> ApiResult {
    let step = start_phone_change(&state.services, &principal, &caller).await?;
    Ok(json_response(StatusCode::CREATED, &step_body(&step)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OldPhoneBody {
    code: Code,
    new_phone: Phone,
}

pub async fn old_phone(
    state: &AppState,
    Authed(principal): Authed,
    ChangeId(change_id): ChangeId,
    Json(b): Json<OldPhoneBody>,
    caller: Caller,
) -> ApiResult {
    let step = verify_old_phone(&state.services, &principal, &change_id, &b.code, &b.new_phone, &caller).await?;
    Ok(json_response(StatusCode::OK, &step_body(&step)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPhoneBody {
    code: Code,
}

pub async fn new_phone(
    state: &AppState,
    Authed(principal): Authed,
    ChangeId(change_id): ChangeId,
    Json(b): Json<NewPhoneBody>,
) -> ApiResult {
    let phone = verify_new_phone(&state.services, &principal, &change_id, &b.code).await?;
    Ok(json_response(StatusCode::OK, &crate::answers::PhoneChanged { phone }))
}
