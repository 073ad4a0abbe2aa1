//! `GET /v1/subject-changes`: the account's changes of the verified subject, newest first, and
//! when the next one may complete (one per 30 days) [CHG-2, CHG-5].

use super::change_body;
use crate::api::{json_response, ApiResult};
use crate::extract::Authed;
use crate::AppState;
use http::StatusCode;
use serde_json::json;
use shared::usecases::change::changes;

pub async fn handle(state: &AppState, Authed(principal): Authed) -> ApiResult {
    let (views, next) = changes(&state.services, &principal).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "changes": views.iter().map(change_body).collect::<Vec<_>>(), "next_change_from": next }),
    ))
}
