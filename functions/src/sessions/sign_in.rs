//! `POST /v1/sessions`: sign in with username and password [LOGIN-1, LOGIN-3, LOGIN-6]. Under
//! login protection the answer is `202` with a pending sign-in naming the allowed factors.

use super::sign_in_response;
use crate::api::ApiResult;
use crate::extract::Json;
use crate::AppState;
use serde::Deserialize;
use shared::domain::password::Password;
use shared::usecases::sign_in::{sign_in, SignIn};
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    username: String,
    password: Password,
    #[serde(default)]
    account_type: AccountType,
    /// A solved captcha (`POST /v1/captchas`), when the answer was `CAPTCHA_REQUIRED`.
    captcha_id: Option<shared::domain::ids::FlowId>,
    captcha_answer: Option<String>,
}

/// `cloud` (default) or `passport`: which account system a username belongs to.
#[derive(Deserialize, schemars::JsonSchema, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AccountType {
    #[default]
    Cloud,
    Passport,
}

pub async fn handle(state: &AppState, Json(b): Json<SignInBody>, caller: Caller) -> ApiResult {
    let request = SignIn {
        username: b.username,
        password: b.password,
        passport: b.account_type == AccountType::Passport,
        captcha: b.captcha_id.zip(b.captcha_answer),
        sub_user_of: None,
    };
    Ok(sign_in_response(&sign_in(&state.services, request, &caller).await?))
}
