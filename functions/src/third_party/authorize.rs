//! `POST /v1/oauth/{provider}/authorizations` (sign in) and
//! `POST /v1/security/third-party/{provider}/authorizations` (bind, signed in): where to send the
//! browser (the provider's consent page, with a single-use `state` and a PKCE challenge where the
//! provider takes one) and the secret this browser keeps for the callback [LOGIN-2].

use crate::api::{json_response, ApiResult};
use crate::extract::Authed;
use crate::third_party::Provider;
use crate::AppState;
use http::StatusCode;
use serde_json::json;
use shared::usecases::third_party::{start, Start, Started};

fn started(s: &Started) -> lambda_http::Response<lambda_http::Body> {
    json_response(
        StatusCode::CREATED,
        &json!({
            "authorize_url": s.authorize_url,
            "browser_secret": s.browser_secret.expose(),
            "expires_at": s.expires_at.to_rfc3339(),
        }),
    )
}

pub async fn sign_in(state: &AppState, Provider(provider): Provider) -> ApiResult {
    Ok(started(&start(&state.services, provider, Start::SignIn).await?))
}

pub async fn bind(state: &AppState, Authed(principal): Authed, Provider(provider): Provider) -> ApiResult {
    Ok(started(&start(&state.services, provider, Start::Bind(&principal)).await?))
}
