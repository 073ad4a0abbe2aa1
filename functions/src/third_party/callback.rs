//! `POST /v1/oauth/{provider}/callback` (sign in) and `POST /v1/security/third-party/{provider}`
//! (bind, signed in): the provider's `code` and `state` with this browser's secret; the state is
//! used up once, the code exchanged server-side [LOGIN-2]. A sign-in answers like every other
//! sign-in: the session, or under login protection a pending sign-in [LOGIN-3].

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, Json};
use crate::sessions::sign_in_response;
use crate::third_party::{binding_body, CallbackBody, Provider};
use crate::AppState;
use http::StatusCode;
use shared::usecases::third_party::{bind as bind_identity, sign_in as sign_in_with, Callback};
use shared::usecases::Caller;

fn callback(provider: Provider, b: &CallbackBody) -> Callback<'_> {
    Callback { provider: provider.0, code: &b.code, state: &b.state, browser_secret: &b.browser_secret }
}

pub async fn sign_in(state: &AppState, provider: Provider, Json(b): Json<CallbackBody>, caller: Caller) -> ApiResult {
    let outcome = sign_in_with(&state.services, callback(provider, &b), &caller).await?;
    Ok(sign_in_response(&outcome))
}

pub async fn bind(
    state: &AppState,
    Authed(principal): Authed,
    provider: Provider,
    Json(b): Json<CallbackBody>,
    caller: Caller,
) -> ApiResult {
    let binding = bind_identity(&state.services, &principal, callback(provider, &b), &caller).await?;
    Ok(json_response(StatusCode::CREATED, &binding_body(&binding)))
}
