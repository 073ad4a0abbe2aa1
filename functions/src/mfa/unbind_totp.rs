//! `POST /v1/mfa/totp/unbind`: unbind the device with a current code [MFA-4]; needs a step-up.

use crate::api::{self, no_content, ApiError};
use crate::AppState;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::usecases::security::unbind_totp;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnbindBody {
    code: String,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let b: UnbindBody = api::json_body(&req)?;
        unbind_totp(&state.services, &principal, &b.code)
            .await
            .map_err(ApiError::from)?;
        Ok(no_content())
    })
    .await
}
