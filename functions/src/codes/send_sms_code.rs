//! `POST /v1/sms-codes`: send a verification code to a phone (rate-limited per phone and caller).

use super::code_sent_body;
use crate::api::{json_response, ApiResult};
use crate::extract::Json;
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::code::Purpose;
use shared::domain::phone::Phone;
use shared::usecases::codes::{send_sms_code, SendSmsCode};
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendCodeBody {
    phone: Phone,
    purpose: Purpose,
}

pub async fn handle(state: &AppState, Json(body): Json<SendCodeBody>, caller: Caller) -> ApiResult {
    let sent =
        send_sms_code(&state.services, SendSmsCode { phone: body.phone, purpose: body.purpose }, &caller).await?;
    Ok(json_response(StatusCode::ACCEPTED, &code_sent_body(&sent)))
}
