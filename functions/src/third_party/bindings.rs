//! `GET /v1/security/third-party`: the bound third-party accounts (masked) and the providers
//! offered; `DELETE /v1/security/third-party/{provider}`: unbind, operation-protected [LOGIN-2,
//! MFA-2].

use crate::api::{json_response, no_content, ApiResult};
use crate::extract::Authed;
use crate::third_party::{binding_body, Provider};
use crate::AppState;
use http::StatusCode;
use shared::domain::third_party::ThirdParty;
use shared::usecases::deps::HasIdentityProviders;
use shared::usecases::third_party::{bindings, unbind as unbind_identity};

pub async fn list(state: &AppState, Authed(principal): Authed) -> ApiResult {
    let bound = bindings(&state.services, &principal).await?;
    let offered: Vec<ThirdParty> =
        ThirdParty::ALL.into_iter().filter(|p| state.services.identity_providers().get(*p).is_some()).collect();
    Ok(json_response(
        StatusCode::OK,
        &crate::answers::ThirdPartyBindings { bindings: bound.iter().map(binding_body).collect(), providers: offered },
    ))
}

pub async fn unbind(state: &AppState, Authed(principal): Authed, Provider(provider): Provider) -> ApiResult {
    unbind_identity(&state.services, &principal, provider).await?;
    Ok(no_content())
}
