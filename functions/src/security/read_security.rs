//! `GET /v1/security`: protection settings, session idle timeout, bound factors.

use crate::api::{self, json_response};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::usecases::security::read_security;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let v = read_security(&state.services, &principal).await?;
        Ok(json_response(
            StatusCode::OK,
            &json!({
                "login_protection": v.login_protection,
                "operation_protection": v.operation_protection,
                "idle_timeout_minutes": v.idle_timeout_minutes,
                "totp_bound": v.totp_bound,
                "recovery_codes_left": v.recovery_codes_left,
                "factors": v.factors,
            }),
        ))
    })
    .await
}
