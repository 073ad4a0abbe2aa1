//! `POST /v1/sessions/second-factor/sms-codes`: send the SMS factor of a pending sign-in to the
//! account's bound phone [LOGIN-3].

use crate::api::{json_response, ApiResult};
use crate::codes::code_sent_body;
use crate::extract::Json;
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::usecases::sign_in::send_sign_in_code;
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SignInCodeBody")]
pub struct SendBody {
    sign_in_id: shared::domain::ids::FlowId,
}

pub async fn handle(state: &AppState, Json(b): Json<SendBody>, caller: Caller) -> ApiResult {
    let sent = send_sign_in_code(&state.services, &b.sign_in_id, &caller).await?;
    Ok(json_response(StatusCode::ACCEPTED, &code_sent_body(&sent)))
}
