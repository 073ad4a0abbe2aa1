//! `POST /v1/accounts/me/email-codes`: mail a code to the email to bind [ACC-3].

use crate::api::{json_response, ApiResult};
use crate::codes::code_sent_body;
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::email::Email;
use shared::usecases::contact::send_email_bind_code;
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "EmailBindCodeBody")]
pub struct EmailBody {
    email: Email,
}

pub async fn handle(
    state: &AppState,
    Authed(principal): Authed,
    Json(b): Json<EmailBody>,
    caller: Caller,
) -> ApiResult {
    let sent = send_email_bind_code(&state.services, &principal, &b.email, &caller).await?;
    Ok(json_response(StatusCode::ACCEPTED, &code_sent_body(&sent)))
}
