//! `GET /v1/cases`: the account's appeals and support cases with their progress, due time
//! (China Standard Time too) and, when rejected, the reason [ACC-4, MFA-5].

use super::{case_body, CasesAnswer};
use crate::api::{json_response, ApiResult};
use crate::extract::Authed;
use crate::AppState;
use http::StatusCode;
use shared::usecases::cases::my_cases;

pub async fn handle(state: &AppState, Authed(principal): Authed) -> ApiResult {
    let now = state.services.clock.now();
    let cases: Vec<_> = my_cases(&state.services, &principal).await?.iter().map(|c| case_body(c, now)).collect();
    Ok(json_response(StatusCode::OK, &CasesAnswer { cases }))
}
