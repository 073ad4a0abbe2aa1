//! The signed-in mobile app's steps on a ticket: `POST /v1/qr-logins/{ticket_id}/scan`,
//! `.../confirm` and `.../reject` (one Lambda each).

use crate::api::{self, json_response};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;
use shared::domain::ids::FlowId;
use shared::usecases::qr_login::{app_step, AppStep};

async fn step(state: &AppState, req: Request, step: AppStep) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let params = req.path_parameters();
        let id = params.first("ticket_id").unwrap_or_default();
        let (state_now, desktop) = app_step(&state.services, &principal, &FlowId::from_raw(id), step).await?;
        Ok(json_response(StatusCode::OK, &json!({ "state": state_now, "desktop": { "user_agent": desktop } })))
    })
    .await
}

pub async fn scan(state: &AppState, req: Request) -> Response<Body> {
    step(state, req, AppStep::Scan).await
}

pub async fn confirm(state: &AppState, req: Request) -> Response<Body> {
    step(state, req, AppStep::Confirm).await
}

pub async fn reject(state: &AppState, req: Request) -> Response<Body> {
    step(state, req, AppStep::Reject).await
}
