//! `POST /v1/sessions/second-factor/sms-codes`: send the SMS factor of a pending sign-in to the
//! account's bound phone [LOGIN-3].

use crate::api::{self, json_response};
use crate::codes::code_sent_body;
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::usecases::sign_in::send_sign_in_code;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendBody {
    sign_in_id: shared::domain::ids::FlowId,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let b: SendBody = api::json_body(&req)?;
        let sent = send_sign_in_code(&state.services, &b.sign_in_id, &api::caller(&req)).await?;
        Ok(json_response(StatusCode::ACCEPTED, &code_sent_body(&sent)))
    })
    .await
}
