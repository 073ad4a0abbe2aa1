//! `GET /v1/cases`: the account's appeals and support cases, newest first, a page at a time,
//! with their progress, due time and, when rejected, the reason [ACC-4, MFA-5].

use super::{case_body, CasesAnswer};
use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, PageQuery};
use crate::AppState;
use http::StatusCode;
use shared::usecases::cases::my_cases;

/// A page of cases unless the request says how many.
const PAGE: usize = 50;

pub async fn handle(state: &AppState, Authed(principal): Authed, page: PageQuery) -> ApiResult {
    let now = state.services.clock.now();
    let page = my_cases(&state.services, &principal, &page.or_size(PAGE)).await?;
    let cases: Vec<_> = page.items.iter().map(|c| case_body(c, now)).collect();
    Ok(json_response(StatusCode::OK, &CasesAnswer { cases, next_cursor: page.next }))
}
