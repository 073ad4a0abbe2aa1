//! `GET /v1/review/queue`: how many cases wait and are claimed, the oldest's age, and the open
//! cases by due time, flagged overdue or due within a day.

use super::{staff_case_body, StaffCaseAnswer};
use crate::api::{json_response, ApiResult};
use crate::extract::StaffAuthed;
use crate::AppState;
use chrono::{DateTime, Utc};
use http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use shared::usecases::review::overview;

pub async fn handle(state: &AppState, StaffAuthed(staff): StaffAuthed) -> ApiResult {
    let o = overview(&state.services, &staff).await?;
    let now = state.services.clock.now();
    let open: Vec<_> = o.open.iter().map(|c| staff_case_body(state, c, &[], false)).collect();
    let answer = QueueAnswer {
        waiting: o.depth.waiting,
        in_review: o.depth.claimed,
        oldest_submitted_at: o.oldest_submitted_at,
        oldest_age_seconds: o.oldest_submitted_at.map(|t| (now - t).num_seconds().max(0).unsigned_abs()),
        open_cases: open,
    };
    Ok(json_response(StatusCode::OK, &answer))
}

/// The queue at a glance.
#[derive(Serialize, JsonSchema)]
pub struct QueueAnswer {
    /// Cases waiting on the queue.
    waiting: u64,
    /// Cases claimed by a reviewer.
    in_review: u64,
    oldest_submitted_at: Option<DateTime<Utc>>,
    oldest_age_seconds: Option<u64>,
    /// The open cases by due time.
    open_cases: Vec<StaffCaseAnswer>,
}
