//! `POST /v1/verifications/student/email-codes`: mail a 6-digit code (valid 30 minutes) to the
//! school address; personally verified accounts only [STU-1].

use crate::api::{json_response, ApiResult};
use crate::codes::code_sent_body;
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::usecases::kyc::send_student_code;
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "StudentEmailCodeBody")]
pub struct EmailBody {
    email: String,
}

pub async fn handle(
    state: &AppState,
    Authed(principal): Authed,
    Json(b): Json<EmailBody>,
    caller: Caller,
) -> ApiResult {
    let sent = send_student_code(&state.services, &principal, &b.email, &caller).await?;
    Ok(json_response(StatusCode::ACCEPTED, &code_sent_body(&sent)))
}
