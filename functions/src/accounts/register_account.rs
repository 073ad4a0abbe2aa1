//! `POST /v1/accounts`: register a cloud account [REG-1, REG-2, REG-6].

use crate::api::{json_response, ApiResult};
use crate::extract::Json;
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use shared::domain::agreements::AgreementRef;
use shared::domain::code::Code;
use shared::domain::password::Password;
use shared::domain::phone::Phone;
use shared::domain::username::Username;
use shared::usecases::register::{register_cloud_account, RegisterCloudAccount};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    username: Username,
    password: Password,
    phone: Phone,
    challenge_id: shared::domain::ids::ChallengeId,
    sms_code: Code,
    agreements: Vec<AgreementRef>,
}

pub async fn handle(state: &AppState, Json(b): Json<RegisterBody>) -> ApiResult {
    let request = RegisterCloudAccount {
        username: b.username,
        password: b.password,
        phone: b.phone,
        challenge_id: b.challenge_id,
        code: b.sms_code,
        agreements: b.agreements,
    };
    let registered = register_cloud_account(&state.services, request).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({
            "account_id": registered.account_id,
            "username": registered.username,
            "phone": registered.phone_masked,
            "created_at": registered.created_at.to_rfc3339(),
            "agreements": registered.agreements,
        }),
    ))
}
