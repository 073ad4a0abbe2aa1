//! The lead's side of review: `POST /v1/review/cases/{case_id}/release` takes a claim from its
//! holder (the case waits again, on the queue at once), `GET /v1/review/figures` the figures per
//! kind (open, in review, due soon, overdue; decided in the last 7 days and the median time to a
//! decision). Leads only.

use super::staff_case_body;
use crate::api::{json_response, ApiResult};
use crate::extract::{CaseId, StaffAuthed};
use crate::AppState;
use http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use shared::domain::case::CaseKind;
use shared::usecases::review::{figures, lead_release, FIGURES_OPEN_LIMIT};

pub async fn release(state: &AppState, StaffAuthed(staff): StaffAuthed, CaseId(case_id): CaseId) -> ApiResult {
    let case = lead_release(&state.services, &staff, &case_id).await?;
    Ok(json_response(StatusCode::OK, &staff_case_body(state, &case, None, false)))
}

/// The review figures per kind.
#[derive(Serialize, JsonSchema)]
pub struct FiguresAnswer {
    kinds: Vec<KindFiguresAnswer>,
    /// False when more open cases exist than were counted (the first 5000 by due time), or a day
    /// had more decisions than were read (5000).
    complete: bool,
    open_limit: usize,
}

#[derive(Serialize, JsonSchema)]
pub struct KindFiguresAnswer {
    kind: CaseKind,
    open: u32,
    in_review: u32,
    due_soon: u32,
    overdue: u32,
    /// Approved or rejected in the last 7 days.
    decided_last_7_days: u32,
    /// Their median time from submission to decision, in minutes.
    median_minutes_to_decision: Option<i64>,
}

pub async fn figures_of_review(state: &AppState, StaffAuthed(staff): StaffAuthed) -> ApiResult {
    let (kinds, complete) = figures(&state.services, &staff).await?;
    let kinds = kinds
        .into_iter()
        .map(|f| KindFiguresAnswer {
            kind: f.kind,
            open: f.open,
            in_review: f.in_review,
            due_soon: f.due_soon,
            overdue: f.overdue,
            decided_last_7_days: f.decided,
            median_minutes_to_decision: f.median_minutes_to_decision,
        })
        .collect();
    Ok(json_response(StatusCode::OK, &FiguresAnswer { kinds, complete, open_limit: FIGURES_OPEN_LIMIT }))
}
