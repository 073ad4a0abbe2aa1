//! The sub-users' entry [LOGIN-5]:
//! - `POST /v1/sub-user-sessions`: `{"account": AccountId or alias, "username", "password"}` -> a
//!   session, a pending sign-in (2FA), or `mfa_binding_required` when the main account requires
//!   2FA and the sub-user has no device yet.
//! - `POST /v1/sessions/second-factor/totp-binding`: `{"sign_in_id"}` -> the device's secret.
//! - `POST /v1/sessions/second-factor/totp-binding/confirmation`: `{"sign_in_id", "binding_id",
//!   "first_code", "second_code"}` -> the session and the recovery codes (shown once).

use crate::api::{json_response, ApiResult};
use crate::extract::Json;
use crate::mfa::binding_body;
use crate::sessions::{session_body, sign_in_response};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::ids::FlowId;
use shared::domain::password::Password;
use shared::domain::sub_user::MainAccount;
use shared::usecases::sign_in::SignIn;
use shared::usecases::sub_users::{confirm_sign_in_binding, start_sign_in_binding, sub_user_sign_in};
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubUserSignInBody {
    /// The main account: its AccountId or the alias it set.
    account: String,
    username: String,
    password: Password,
    /// A solved captcha (`POST /v1/captchas`), when the answer was `CAPTCHA_REQUIRED`.
    captcha_id: Option<FlowId>,
    captcha_answer: Option<String>,
}

pub async fn sign_in(state: &AppState, Json(b): Json<SubUserSignInBody>, caller: Caller) -> ApiResult {
    let request = SignIn {
        username: b.username,
        password: b.password,
        passport: false,
        captcha: b.captcha_id.zip(b.captcha_answer),
        sub_user_of: None,
    };
    let outcome = sub_user_sign_in(&state.services, MainAccount::parse(&b.account), request, &caller).await?;
    Ok(sign_in_response(&outcome))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartBindingBody {
    sign_in_id: FlowId,
}

pub async fn start_binding(state: &AppState, Json(b): Json<StartBindingBody>) -> ApiResult {
    let started = start_sign_in_binding(&state.services, &b.sign_in_id).await?;
    Ok(json_response(StatusCode::CREATED, &binding_body(&started)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBindingBody {
    sign_in_id: FlowId,
    binding_id: FlowId,
    first_code: String,
    second_code: String,
}

pub async fn confirm_binding(state: &AppState, Json(b): Json<ConfirmBindingBody>, caller: Caller) -> ApiResult {
    let (signed_in, codes) =
        confirm_sign_in_binding(&state.services, &b.sign_in_id, &b.binding_id, &b.first_code, &b.second_code, &caller)
            .await?;
    let answer = SessionWithCodes { session: session_body(&signed_in), recovery_codes: codes };
    Ok(json_response(StatusCode::CREATED, &answer))
}

/// The session, and the new device's recovery codes (shown once).
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct SessionWithCodes {
    #[serde(flatten)]
    session: crate::sessions::SessionAnswer,
    recovery_codes: Vec<String>,
}
