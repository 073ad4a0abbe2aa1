//! Staff sign-in through the staff user pool: `POST /v1/staff/sessions` (username, password) and
//! `POST /v1/staff/sessions/second-factor` (the virtual MFA code). A new staff user's first
//! sign-in (with the invitation's temporary password) chooses a password
//! (`POST /v1/staff/sessions/new-password`) and sets up an authenticator
//! (`POST /v1/staff/sessions/mfa-setup`). Staff never use customer tokens, and customers cannot
//! sign in here.

use crate::answers::{StaffChallenge, StaffTokensAnswer};
use crate::api::{json_response, ApiResult};
use crate::extract::Json;
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::ids::FlowId;
use shared::ports::StaffTokens;
use shared::usecases::review::{staff_finish_mfa_setup, staff_new_password, staff_second_factor, staff_sign_in};
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffPasswordBody {
    username: String,
    password: String,
    /// A solved captcha (`POST /v1/captchas`), when the name's failures from elsewhere ask for one.
    #[serde(default)]
    captcha_id: Option<FlowId>,
    #[serde(default)]
    captcha_answer: Option<String>,
}

pub async fn password(state: &AppState, caller: Caller, Json(body): Json<StaffPasswordBody>) -> ApiResult {
    let captcha = body.captcha_id.zip(body.captcha_answer);
    let step = staff_sign_in(&state.services, &body.username, &body.password, captcha.as_ref(), &caller).await?;
    Ok(json_response(StatusCode::OK, &StaffChallenge::from(step)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffCodeBody {
    username: String,
    session: String,
    code: String,
}

pub async fn second_factor(state: &AppState, Json(body): Json<StaffCodeBody>) -> ApiResult {
    signed_in(staff_second_factor(&state.services, &body.username, &body.session, &body.code).await?)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffNewPasswordBody {
    username: String,
    session: String,
    new_password: String,
}

pub async fn new_password(state: &AppState, Json(body): Json<StaffNewPasswordBody>) -> ApiResult {
    let step = staff_new_password(&state.services, &body.username, &body.session, &body.new_password).await?;
    Ok(json_response(StatusCode::OK, &StaffChallenge::from(step)))
}

pub async fn mfa_setup(state: &AppState, Json(body): Json<StaffCodeBody>) -> ApiResult {
    signed_in(staff_finish_mfa_setup(&state.services, &body.username, &body.session, &body.code).await?)
}

fn signed_in(tokens: StaffTokens) -> ApiResult {
    Ok(json_response(
        StatusCode::OK,
        &StaffTokensAnswer {
            access_token: tokens.access_token,
            token_type: crate::sessions::TokenType::Bearer,
            expires_in: tokens.expires_in,
        },
    ))
}
