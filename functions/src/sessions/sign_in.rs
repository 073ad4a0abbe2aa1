//! `POST /v1/sessions`: sign in with username and password [LOGIN-1, LOGIN-6].

use crate::api::{self, json_response, ApiError};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use shared::domain::password::Password;
use shared::usecases::sign_in::{sign_in, SignIn};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInBody {
    username: String,
    password: Password,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let b: SignInBody = api::json_body(&req)?;
        let signed_in = sign_in(
            &state.services,
            SignIn {
                username: b.username,
                password: b.password,
            },
            &api::caller(&req),
        )
        .await
        .map_err(ApiError::from)?;
        Ok(json_response(
            StatusCode::CREATED,
            &json!({
                "access_token": signed_in.access_token,
                "token_type": "Bearer",
                "account_id": signed_in.account_id,
                "session": {
                    "id": signed_in.session_id,
                    "idle_timeout_seconds": signed_in.idle_timeout_secs,
                    "expires_at": signed_in.expires_at.to_rfc3339(),
                },
            }),
        ))
    })
    .await
}
