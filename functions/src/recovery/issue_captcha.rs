//! `POST /v1/captchas`: a five-character image captcha, checked once within five minutes.

use crate::api::{json_response, ApiResult};
use crate::AppState;
use http::StatusCode;
use shared::usecases::captcha::issue_captcha;

pub async fn handle(state: &AppState) -> ApiResult {
    let c = issue_captcha(&state.services).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &crate::answers::CaptchaAnswer {
            captcha_id: c.captcha_id.as_str().to_owned(),
            image: c.image,
            expires_at: c.expires_at,
        },
    ))
}
