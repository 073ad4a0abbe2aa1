//! `POST /v1/accounts/me/email-codes`: mail a code to the email to bind [ACC-3].

use crate::api::{self, json_response};
use crate::codes::code_sent_body;
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::domain::email::Email;
use shared::usecases::contact::send_email_bind_code;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailBody {
    email: Email,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let b: EmailBody = api::json_body(&req)?;
        let sent = send_email_bind_code(&state.services, &principal, &b.email, &api::caller(&req)).await?;
        Ok(json_response(StatusCode::ACCEPTED, &code_sent_body(&sent)))
    })
    .await
}
