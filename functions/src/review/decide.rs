//! `POST /v1/review/cases/{case_id}/decision`: the claim holder approves (the effect applies in
//! the same transaction), rejects with a reason, or asks the customer for some files again (the
//! case then waits on its customer, its review clock stopped); the customer is told by SMS.

use super::staff_case_body;
use crate::api::{json_response, ApiResult};
use crate::extract::{CaseId, Json, StaffAuthed};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::upload::UploadPurpose;
use shared::usecases::review::{self, decide, decision};

#[derive(Deserialize, schemars::JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    Reject,
    /// Ask the customer to send the files named in `material` again.
    RequestMaterial,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    claim_token: String,
    decision: Verdict,
    /// Required to reject or to ask for new material; shown to the customer.
    #[serde(default)]
    reason: Option<String>,
    /// `request_material` only: the case's files to send again.
    #[serde(default)]
    material: Vec<UploadPurpose>,
}

pub async fn handle(
    state: &AppState,
    StaffAuthed(staff): StaffAuthed,
    CaseId(case_id): CaseId,
    Json(body): Json<DecisionBody>,
) -> ApiResult {
    let verdict = match body.decision {
        Verdict::Approve => review::Verdict::Approve,
        Verdict::Reject => review::Verdict::Reject,
        Verdict::RequestMaterial => review::Verdict::RequestMaterial,
    };
    let verdict = decision(verdict, body.reason, body.material)?;
    let case = decide(&state.services, &staff, &case_id, &body.claim_token, &verdict).await?;
    Ok(json_response(StatusCode::OK, &staff_case_body(state, &case, None, true)))
}
