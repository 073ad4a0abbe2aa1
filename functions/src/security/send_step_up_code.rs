//! `POST /v1/step-up/sms-codes`: send a step-up code to the bound phone [MFA-2].

use crate::api::{self, json_response};
use crate::codes::code_sent_body;
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::usecases::security::send_step_up_code;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let sent = send_step_up_code(&state.services, &principal, &api::caller(&req)).await?;
        Ok(json_response(StatusCode::ACCEPTED, &code_sent_body(&sent)))
    })
    .await
}
