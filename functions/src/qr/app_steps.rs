//! The signed-in mobile app's steps on a ticket: `POST /v1/qr-logins/{ticket_id}/scan`,
//! `.../confirm` and `.../reject` (one Lambda each).

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, TicketId};
use crate::AppState;
use http::StatusCode;
use shared::domain::ids::FlowId;
use shared::domain::session::Principal;
use shared::usecases::qr_login::{app_step, AppStep};

async fn step(state: &AppState, principal: Principal, id: FlowId, step: AppStep) -> ApiResult {
    let (state_now, desktop) = app_step(&state.services, &principal, &id, step).await?;
    Ok(json_response(
        StatusCode::OK,
        &crate::answers::AppStepped {
            state: state_now.to_owned(),
            desktop: crate::answers::Desktop { user_agent: desktop },
        },
    ))
}

pub async fn scan(state: &AppState, Authed(principal): Authed, TicketId(id): TicketId) -> ApiResult {
    step(state, principal, id, AppStep::Scan).await
}

pub async fn confirm(state: &AppState, Authed(principal): Authed, TicketId(id): TicketId) -> ApiResult {
    step(state, principal, id, AppStep::Confirm).await
}

pub async fn reject(state: &AppState, Authed(principal): Authed, TicketId(id): TicketId) -> ApiResult {
    step(state, principal, id, AppStep::Reject).await
}
