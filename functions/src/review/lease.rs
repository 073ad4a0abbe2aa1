//! The claim's lease: `PUT /v1/review/cases/{case_id}/lease` extends it by 15 minutes,
//! `DELETE /v1/review/cases/{case_id}/lease` gives the case back to the queue now.

use crate::api::{json_response, no_content, ApiResult};
use crate::extract::{CaseId, Json, StaffAuthed};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::usecases::review::{extend_lease, release};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimBody {
    pub claim_token: String,
}

pub async fn extend(
    state: &AppState,
    StaffAuthed(staff): StaffAuthed,
    CaseId(case_id): CaseId,
    Json(body): Json<ClaimBody>,
) -> ApiResult {
    let until = extend_lease(&state.services, &staff, &case_id, &body.claim_token).await?;
    let lease_seconds_left = (until - state.services.clock.now()).num_seconds().max(0);
    Ok(json_response(StatusCode::OK, &crate::answers::Lease { lease_expires_at: until, lease_seconds_left }))
}

pub async fn give_back(
    state: &AppState,
    StaffAuthed(staff): StaffAuthed,
    CaseId(case_id): CaseId,
    Json(body): Json<ClaimBody>,
) -> ApiResult {
    release(&state.services, &staff, &case_id, &body.claim_token).await?;
    Ok(no_content())
}
