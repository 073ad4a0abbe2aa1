//! `GET /v1/review/queue`: how many cases wait and are claimed, the oldest's age, and the open
//! cases by due time, flagged overdue or due within a day.

use super::staff_case_body;
use crate::api::{json_response, ApiResult};
use crate::extract::StaffAuthed;
use crate::AppState;
use http::StatusCode;
use serde_json::json;
use shared::usecases::review::overview;

pub async fn handle(state: &AppState, StaffAuthed(staff): StaffAuthed) -> ApiResult {
    let o = overview(&state.services, &staff).await?;
    let now = state.services.clock.now();
    let open: Vec<_> = o.open.iter().map(|c| staff_case_body(state, c, &[], false)).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "waiting": o.depth.waiting,
            "in_review": o.depth.claimed,
            "oldest_submitted_at": o.oldest_submitted_at,
            "oldest_age_seconds": o.oldest_submitted_at.map(|t| (now - t).num_seconds().max(0)),
            "open_cases": open,
        }),
    ))
}
