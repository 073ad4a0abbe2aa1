//! `POST /v1/sessions/sms`: sign in to the phone's passport account with an SMS code, creating it
//! if the phone has none (sign-in-or-register; then the agreements are required) [REG-3, LOGIN-2].

use super::sign_in_response;
use crate::api::ApiResult;
use crate::extract::Json;
use crate::AppState;
use serde::Deserialize;
use shared::domain::agreements::AgreementRef;
use shared::domain::code::Code;
use shared::domain::phone::Phone;
use shared::usecases::passport::sms_sign_in;
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsSignInBody {
    phone: Phone,
    challenge_id: shared::domain::ids::ChallengeId,
    sms_code: Code,
    agreements: Option<Vec<AgreementRef>>,
}

pub async fn handle(state: &AppState, Json(b): Json<SmsSignInBody>, caller: Caller) -> ApiResult {
    let outcome =
        sms_sign_in(&state.services, &b.phone, &b.challenge_id, &b.sms_code, b.agreements.as_deref(), &caller).await?;
    Ok(sign_in_response(&outcome))
}
