//! `GET /v1/review/cases/{case_id}/audit`: every staff action on a case (leads only).

use crate::api::{json_response, ApiResult};
use crate::extract::{CaseId, StaffAuthed};
use crate::AppState;
use http::StatusCode;
use shared::usecases::review::audit_trail;

pub async fn handle(state: &AppState, StaffAuthed(staff): StaffAuthed, CaseId(case_id): CaseId) -> ApiResult {
    let entries = audit_trail(&state.services, &staff, &case_id).await?;
    let entries: Vec<_> = entries
        .iter()
        .map(|e| crate::answers::AuditEntry {
            at: e.at,
            staff: e.staff.clone(),
            action: e.action.clone(),
            detail: e.detail.clone(),
        })
        .collect();
    Ok(json_response(StatusCode::OK, &crate::answers::AuditTrail { entries }))
}
