//! `POST /v1/enterprise/applications/{application_id}/amount`: the deposit's amount as the
//! corporate account's statement shows it [KYC-E5].

use crate::api::{json_response, ApiResult};
use crate::extract::{ApplicationId, Authed, Json};
use crate::AppState;
use http::StatusCode;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::Serialize;
use shared::usecases::enterprise::{enter_amount, AmountOutcome};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AmountBody {
    /// CNY, e.g. `0.37`.
    amount: String,
}

pub async fn handle(
    state: &AppState,
    Authed(principal): Authed,
    ApplicationId(id): ApplicationId,
    Json(body): Json<AmountBody>,
) -> ApiResult {
    let answer = match enter_amount(&state.services, &principal, &id, &body.amount).await? {
        AmountOutcome::Verified => AmountAnswer::Verified,
        AmountOutcome::InReview { case_id } => AmountAnswer::InReview {
            case_id: case_id.as_str().to_owned(),
            processing_time: "reviewed by a person within 2 working days".to_owned(),
        },
    };
    Ok(json_response(StatusCode::OK, &answer))
}

/// The right amount: verified, or (a risk rule) in a reviewer's hands.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AmountAnswer {
    Verified,
    InReview { case_id: String, processing_time: String },
}
