//! `POST /v1/accounts`: register a cloud account [REG-1, REG-2, REG-6].

use crate::api::{json_response, ApiResult};
use crate::extract::Json;
use crate::AppState;
use chrono::{DateTime, Utc};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use shared::domain::agreements::{Acceptance, AgreementRef};
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

/// The new account.
#[derive(Serialize, schemars::JsonSchema)]
pub struct RegisteredAnswer {
    account_id: String,
    username: String,
    /// The bound phone, masked.
    phone: String,
    created_at: DateTime<Utc>,
    /// The agreements accepted, with their versions and when [REG-3].
    agreements: Vec<Acceptance>,
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
    let answer = RegisteredAnswer {
        account_id: registered.account_id.as_str().to_owned(),
        username: registered.username,
        phone: registered.phone_masked,
        created_at: registered.created_at,
        agreements: registered.agreements,
    };
    Ok(json_response(StatusCode::CREATED, &answer))
}
