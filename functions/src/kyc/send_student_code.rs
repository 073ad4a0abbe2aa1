//! `POST /v1/verifications/student/email-codes`: mail a 6-digit code (valid 30 minutes) to the
//! school address; personally verified accounts only [STU-1].

use crate::api::{self, json_response};
use crate::codes::code_sent_body;
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::usecases::kyc::send_student_code;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailBody {
    email: String,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let b: EmailBody = api::json_body(&req)?;
        let sent = send_student_code(&state.services, &principal, &b.email, &api::caller(&req)).await?;
        Ok(json_response(StatusCode::ACCEPTED, &code_sent_body(&sent)))
    })
    .await
}
