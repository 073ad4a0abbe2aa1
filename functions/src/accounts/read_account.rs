//! `GET /v1/accounts/me`: the signed-in caller's account, phone masked [ACC-1].

use crate::api::{self, json_response, ApiError};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::usecases::account::read_my_account;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let account = read_my_account(&state.services, &principal).await.map_err(ApiError::from)?;
        Ok(json_response(
            StatusCode::OK,
            &json!({
                "account_id": account.account_id,
                "kind": account.kind.as_str(),
                "username": account.username,
                "phone": account.phone_masked,
                "created_at": account.created_at.to_rfc3339(),
                "activated": account.activated,
                "verification": { "state": account.verification },
                "agreements": account.agreements,
            }),
        ))
    })
    .await
}
