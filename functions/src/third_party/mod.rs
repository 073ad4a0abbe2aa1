//! Third-party sign-in [LOGIN-2]: authorizations (OAuth 2.0 authorization-code flow) to sign in
//! with, or to bind, an account of WeChat, QQ or Weibo; the bindings in the security settings.

pub mod authorize;
pub mod bindings;
pub mod callback;

use crate::api::ApiError;
use crate::extract::FromRequest;
use lambda_http::{Request, RequestExt};
use serde::Deserialize;
use shared::domain::third_party::ThirdParty;
use shared::ports::ThirdPartyBinding;

/// `{provider}`: `wechat`, `qq` or `weibo`; any other is `404 NOT_FOUND`.
#[derive(Debug, Clone, Copy)]
pub struct Provider(pub ThirdParty);

impl FromRequest for Provider {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        req.path_parameters()
            .first("provider")
            .and_then(ThirdParty::parse)
            .map(Provider)
            .ok_or_else(|| shared::Error::NotFound.into())
    }
}

/// What the provider's redirect brought back to the browser, with the secret the browser got
/// when it started the authorization.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackBody {
    /// The `code` of the provider's redirect.
    code: String,
    /// The `state` of the provider's redirect.
    state: String,
    /// The `browser_secret` the start of the authorization answered (kept by this browser).
    browser_secret: String,
}

/// A binding as its owner sees it.
pub(crate) fn binding_body(b: &ThirdPartyBinding) -> crate::answers::ThirdPartyBinding {
    crate::answers::ThirdPartyBinding { provider: b.provider, account: b.masked.clone(), bound_at: b.bound_at }
}
