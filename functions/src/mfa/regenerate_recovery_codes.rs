//! `POST /v1/mfa/recovery-codes`: ten new recovery codes replace the old; needs a step-up.

use crate::api::{self, json_response};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::usecases::security::regenerate_recovery_codes;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let codes = regenerate_recovery_codes(&state.services, &principal).await?;
        Ok(json_response(StatusCode::CREATED, &json!({ "recovery_codes": codes })))
    })
    .await
}
