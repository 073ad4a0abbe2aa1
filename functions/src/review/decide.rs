//! `POST /v1/review/cases/{case_id}/decision`: the claim holder approves (the effect applies in
//! the same transaction) or rejects with a reason; the customer is told by SMS.

use super::staff_case_body;
use crate::api::{json_response, ApiResult};
use crate::extract::{CaseId, Json, StaffAuthed};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::usecases::review::{decide, decision};

#[derive(Deserialize, schemars::JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    Reject,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    claim_token: String,
    decision: Verdict,
    /// Required to reject; shown to the customer.
    #[serde(default)]
    reason: Option<String>,
}

pub async fn handle(
    state: &AppState,
    StaffAuthed(staff): StaffAuthed,
    CaseId(case_id): CaseId,
    Json(body): Json<DecisionBody>,
) -> ApiResult {
    let verdict = decision(body.decision == Verdict::Approve, body.reason)?;
    let case = decide(&state.services, &staff, &case_id, &body.claim_token, &verdict).await?;
    Ok(json_response(StatusCode::OK, &staff_case_body(state, &case, None, true)))
}
