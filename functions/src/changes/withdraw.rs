//! `POST /v1/subject-changes/{change_id}/withdrawal`: withdraws an open change (one in review
//! while no reviewer has claimed its case); the account keeps its subject.

use crate::api::{no_content, ApiResult};
use crate::extract::{Authed, ChangeId};
use crate::AppState;
use shared::usecases::change::withdraw_change;

pub async fn handle(state: &AppState, Authed(principal): Authed, ChangeId(id): ChangeId) -> ApiResult {
    withdraw_change(&state.services, &principal, &id).await?;
    Ok(no_content())
}
