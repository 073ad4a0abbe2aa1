//! `PUT /v1/accounts/me/email`: bind or change the email with the code mailed to it [ACC-3].

use crate::api::{self, json_response};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use shared::domain::code::Code;
use shared::domain::email::Email;
use shared::usecases::contact::bind_email;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BindBody {
    email: Email,
    challenge_id: shared::domain::ids::ChallengeId,
    code: Code,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let b: BindBody = api::json_body(&req)?;
        let masked = bind_email(&state.services, &principal, &b.email, &b.challenge_id, &b.code).await?;
        Ok(json_response(StatusCode::OK, &json!({ "email": masked })))
    })
    .await
}
