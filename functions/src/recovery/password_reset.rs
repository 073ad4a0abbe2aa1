//! Forgotten password [REC-1, REC-2], two Lambdas: `POST /v1/password-resets` (`{"account",
//! "captcha_id", "captcha_answer"}`; `account` is a cloud username or a passport account's phone
//! or email) and `POST /v1/password-resets/{reset_id}/complete` (`{"code", "new_password"}`).

use crate::api::{json_response, ApiResult};
use crate::extract::{Json, ResetId};
use crate::sessions::sign_in::AccountType;
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::code::Code;
use shared::domain::password::Password;
use shared::usecases::recovery::{complete_password_reset, start_password_reset};
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "StartPasswordResetBody")]
pub struct StartBody {
    account: String,
    #[serde(default)]
    account_type: AccountType,
    captcha_id: shared::domain::ids::FlowId,
    captcha_answer: String,
}

pub async fn start(state: &AppState, Json(b): Json<StartBody>, caller: Caller) -> ApiResult {
    let reset_id = start_password_reset(
        &state.services,
        &b.account,
        b.account_type == AccountType::Passport,
        &b.captcha_id,
        &b.captcha_answer,
        &caller,
    )
    .await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &crate::answers::ResetStarted {
            reset_id: reset_id.as_str().to_owned(),
            methods: vec!["sms".to_owned()],
            message: "if the account exists, a code was sent to its bound phone".to_owned(),
        },
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CompletePasswordResetBody")]
pub struct CompleteBody {
    code: Code,
    new_password: Password,
}

pub async fn complete(state: &AppState, ResetId(id): ResetId, Json(b): Json<CompleteBody>) -> ApiResult {
    complete_password_reset(&state.services, &id, &b.code, &b.new_password).await?;
    Ok(json_response(StatusCode::OK, &crate::answers::ResetDone { reset: true, sessions_revoked: true }))
}
