//! `POST /v1/oauth/{provider}/authorizations` (sign in) and
//! `POST /v1/security/third-party/{provider}/authorizations` (bind, signed in): where to send the
//! browser (the provider's consent page, with a single-use `state` and a PKCE challenge where the
//! provider takes one) and the secret this browser keeps for the callback [LOGIN-2].

use crate::api::{json_response, ApiResult};
use crate::extract::Authed;
use crate::third_party::Provider;
use crate::AppState;
use http::StatusCode;
use shared::usecases::third_party::{start, Start, Started};

fn started(s: &Started) -> lambda_http::Response<lambda_http::Body> {
    json_response(
        StatusCode::CREATED,
        &crate::answers::AuthorizationStarted {
            authorize_url: s.authorize_url.clone(),
            browser_secret: s.browser_secret.expose().clone(),
            expires_at: s.expires_at,
        },
    )
}

pub async fn sign_in(state: &AppState, Provider(provider): Provider) -> ApiResult {
    Ok(started(&start(&state.services, provider, Start::SignIn).await?))
}

pub async fn bind(state: &AppState, Authed(principal): Authed, Provider(provider): Provider) -> ApiResult {
    Ok(started(&start(&state.services, provider, Start::Bind(&principal)).await?))
}
