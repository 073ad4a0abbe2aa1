//! `PUT /v1/accounts/me/email`: bind or change the email with the code mailed to it [ACC-3].

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::code::Code;
use shared::domain::email::Email;
use shared::usecases::contact::bind_email;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "BindEmailBody")]
pub struct BindBody {
    email: Email,
    challenge_id: shared::domain::ids::ChallengeId,
    code: Code,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(b): Json<BindBody>) -> ApiResult {
    let masked = bind_email(&state.services, &principal, &b.email, &b.challenge_id, &b.code).await?;
    Ok(json_response(StatusCode::OK, &crate::answers::EmailBound { email: masked }))
}
