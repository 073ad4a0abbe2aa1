//! `POST /v1/cases/{case_id}/withdrawal`: withdraws a case no reviewer has claimed yet.

use super::case_body;
use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, CaseId};
use crate::AppState;
use http::StatusCode;
use shared::usecases::cases::withdraw_case;

pub async fn handle(state: &AppState, Authed(principal): Authed, CaseId(case_id): CaseId) -> ApiResult {
    let case = withdraw_case(&state.services, &principal, &case_id).await?;
    Ok(json_response(StatusCode::OK, &case_body(&case, state.services.clock.now())))
}
