//! `POST /v1/step-up/sms-codes`: send a step-up code to the bound phone [MFA-2].

use crate::api::{json_response, ApiResult};
use crate::codes::code_sent_body;
use crate::extract::Authed;
use crate::AppState;
use http::StatusCode;
use shared::usecases::security::send_step_up_code;
use shared::usecases::Caller;

pub async fn handle(state: &AppState, Authed(principal): Authed, caller: Caller) -> ApiResult {
    let sent = send_step_up_code(&state.services, &principal, &caller).await?;
    Ok(json_response(StatusCode::ACCEPTED, &code_sent_body(&sent)))
}
