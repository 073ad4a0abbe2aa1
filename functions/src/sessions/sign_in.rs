//! `POST /v1/sessions`: sign in with username and password [LOGIN-1, LOGIN-3, LOGIN-6]. Under
//! login protection the answer is `202` with a pending sign-in naming the allowed factors.

use super::session_body;
use crate::api::{json_response, ApiResult};
use crate::extract::Json;
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use shared::domain::password::Password;
use shared::usecases::sign_in::{sign_in, SignIn, SignInOutcome};
use shared::usecases::Caller;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    username: String,
    password: Password,
    #[serde(default)]
    account_type: AccountType,
}

/// `cloud` (default) or `passport`: which account system a username belongs to.
#[derive(Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AccountType {
    #[default]
    Cloud,
    Passport,
}

pub async fn handle(state: &AppState, Json(b): Json<SignInBody>, caller: Caller) -> ApiResult {
    let request =
        SignIn { username: b.username, password: b.password, passport: b.account_type == AccountType::Passport };
    match sign_in(&state.services, request, &caller).await? {
        SignInOutcome::SignedIn(s) => Ok(json_response(StatusCode::CREATED, &session_body(&s))),
        SignInOutcome::SecondFactorRequired { flow_id, factors, expires_at } => Ok(json_response(
            StatusCode::ACCEPTED,
            &json!({
                "second_factor_required": true,
                "sign_in_id": flow_id,
                "factors": factors,
                "expires_at": expires_at.to_rfc3339(),
            }),
        )),
    }
}
