//! Staff sign-in through the staff user pool: `POST /v1/staff/sessions` (username, password) and
//! `POST /v1/staff/sessions/second-factor` (the virtual MFA code). Staff never use customer
//! tokens, and customers cannot sign in here.

use crate::answers::{StaffChallenge, StaffChallengeKind, StaffTokensAnswer};
use crate::api::{json_response, ApiResult};
use crate::extract::Json;
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::ids::FlowId;
use shared::usecases::review::{staff_second_factor, staff_sign_in};
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
    let session = staff_sign_in(&state.services, &body.username, &body.password, captcha.as_ref(), &caller).await?;
    Ok(json_response(StatusCode::OK, &StaffChallenge { challenge: StaffChallengeKind::SOFTWARE_TOKEN_MFA, session }))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffCodeBody {
    username: String,
    session: String,
    code: String,
}

pub async fn second_factor(state: &AppState, Json(body): Json<StaffCodeBody>) -> ApiResult {
    let tokens = staff_second_factor(&state.services, &body.username, &body.session, &body.code).await?;
    Ok(json_response(
        StatusCode::OK,
        &StaffTokensAnswer {
            access_token: tokens.access_token,
            token_type: crate::sessions::TokenType::Bearer,
            expires_in: tokens.expires_in,
        },
    ))
}
