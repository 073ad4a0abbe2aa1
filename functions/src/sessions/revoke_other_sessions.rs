//! `DELETE /v1/sessions/others`: sign out every session but this one.

use crate::api::{self, json_response};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::usecases::sessions::revoke_other_sessions;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let revoked = revoke_other_sessions(&state.services, &principal).await?;
        Ok(json_response(StatusCode::OK, &json!({ "revoked": revoked })))
    })
    .await
}
