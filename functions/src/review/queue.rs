//! `GET /v1/review/queue`: how many cases wait and are claimed, the oldest's age, and the open
//! cases by due time (a page at a time), flagged overdue or due within a day.

use super::{staff_case_body, StaffCaseAnswer};
use crate::api::{json_response, ApiResult};
use crate::extract::{PageQuery, StaffAuthed};
use crate::AppState;
use chrono::{DateTime, Utc};
use http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use shared::usecases::review::overview;

/// A page of open cases unless the request says how many.
const PAGE: usize = 100;

pub async fn handle(state: &AppState, StaffAuthed(staff): StaffAuthed, page: PageQuery) -> ApiResult {
    let o = overview(&state.services, &staff, &page.or_size(PAGE)).await?;
    let now = state.services.clock.now();
    let open: Vec<_> = o.open.items.iter().map(|c| staff_case_body(state, c, None, false)).collect();
    let answer = QueueAnswer {
        waiting: o.depth.waiting,
        in_review: o.depth.claimed,
        oldest_submitted_at: o.oldest_submitted_at,
        oldest_age_seconds: o.oldest_submitted_at.map(|t| (now - t).num_seconds().max(0).unsigned_abs()),
        open_cases: open,
        next_cursor: o.open.next,
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
    /// The oldest submission of the open cases on this page.
    oldest_submitted_at: Option<DateTime<Utc>>,
    oldest_age_seconds: Option<u64>,
    /// The open cases by due time: this page of them.
    open_cases: Vec<StaffCaseAnswer>,
    /// The next page's `cursor` (none: this is the last page).
    next_cursor: Option<String>,
}
