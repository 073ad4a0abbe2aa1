//! `GET /v1/review/cases/{case_id}`: a case with 5-minute presigned URLs of its material and its
//! history (the view is audited). What the reviewer compares (the person in full) only for the
//! claim's holder and for leads.

use super::staff_case_body;
use crate::api::{json_response, ApiResult};
use crate::extract::{CaseId, StaffAuthed};
use crate::AppState;
use http::StatusCode;
use shared::usecases::review::{read_case, sees_in_full};

pub async fn handle(state: &AppState, StaffAuthed(staff): StaffAuthed, CaseId(case_id): CaseId) -> ApiResult {
    let (case, view) = read_case(&state.services, &staff, &case_id).await?;
    let full = sees_in_full(&staff, &case.flow);
    Ok(json_response(StatusCode::OK, &staff_case_body(state, &case, Some(&view), full)))
}
