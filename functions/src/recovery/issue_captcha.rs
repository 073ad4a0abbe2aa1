//! `POST /v1/captchas`: a five-character image captcha, checked once within five minutes.

use crate::api::{self, json_response};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::usecases::recovery::issue_captcha;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let c = issue_captcha(&state.services).await?;
        Ok(json_response(
            StatusCode::CREATED,
            &json!({ "captcha_id": c.captcha_id, "image": c.image, "expires_at": c.expires_at.to_rfc3339() }),
        ))
    })
    .await
}
