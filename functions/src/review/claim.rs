//! `POST /v1/review/claims`: claims the next case on the queue for 15 minutes (the claim token
//! extends the lease and decides); `204` when nothing waits. `POST
//! /v1/review/cases/{case_id}/claim`: claims the case picked from the list (waiting, or its
//! lease lapsed; `CASE_CLAIMED` while another's lasts).

use super::{staff_case_body, StaffCaseAnswer};
use crate::api::{json_response, no_content, ApiResult};
use crate::extract::{CaseId, StaffAuthed};
use crate::AppState;
use chrono::{DateTime, Utc};
use http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use shared::usecases::review::{claim_case, claim_next, view, Claimed};

pub async fn handle(state: &AppState, StaffAuthed(staff): StaffAuthed) -> ApiResult {
    let Some(claimed) = claim_next(&state.services, &staff).await? else { return Ok(no_content()) };
    answer(state, &staff, claimed).await
}

pub async fn picked(state: &AppState, StaffAuthed(staff): StaffAuthed, CaseId(case_id): CaseId) -> ApiResult {
    let claimed = claim_case(&state.services, &staff, &case_id).await?;
    answer(state, &staff, claimed).await
}

async fn answer(state: &AppState, staff: &shared::domain::staff::Staff, claimed: Claimed) -> ApiResult {
    // The case as claimed: no second read.
    let view = view(&state.services, staff, &claimed.case, true).await?;
    let case = claimed.case;
    let answer = ClaimAnswer {
        claim_token: claimed.claim_token,
        lease_expires_at: claimed.lease_until,
        case: staff_case_body(state, &case, Some(&view), true),
    };
    Ok(json_response(StatusCode::OK, &answer))
}

/// The case claimed, and the token that extends the lease and decides.
#[derive(Serialize, JsonSchema)]
pub struct ClaimAnswer {
    claim_token: String,
    lease_expires_at: DateTime<Utc>,
    case: StaffCaseAnswer,
}
