//! `GET /v1/subject-changes`: the account's changes of the verified subject, newest first, and
//! when the next one may complete (one per 30 days) [CHG-2, CHG-5].

use super::{change_body, ChangesAnswer};
use crate::api::{json_response, ApiResult};
use crate::extract::Authed;
use crate::AppState;
use http::StatusCode;
use shared::usecases::change::changes;

pub async fn handle(state: &AppState, Authed(principal): Authed) -> ApiResult {
    let (views, next) = changes(&state.services, &principal).await?;
    let answer = ChangesAnswer { changes: views.iter().map(change_body).collect(), next_change_from: next };
    Ok(json_response(StatusCode::OK, &answer))
}
