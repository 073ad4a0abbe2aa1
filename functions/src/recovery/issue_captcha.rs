//! `POST /v1/captchas`: a five-character image captcha, checked once within five minutes.

use crate::api::{json_response, ApiResult};
use crate::AppState;
use http::StatusCode;
use serde_json::json;
use shared::usecases::recovery::issue_captcha;

pub async fn handle(state: &AppState) -> ApiResult {
    let c = issue_captcha(&state.services).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "captcha_id": c.captcha_id, "image": c.image, "expires_at": c.expires_at.to_rfc3339() }),
    ))
}
