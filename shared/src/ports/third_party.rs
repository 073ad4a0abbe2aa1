//! Third-party sign-in [LOGIN-2]: the outside identity providers (OAuth 2.0 authorization-code
//! flow) and the bindings of their users to passport accounts.

use crate::domain::ids::AccountId;
use crate::domain::redacted::Redacted;
use crate::domain::third_party::ThirdParty;
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// The provider's answer at its token endpoint.
#[derive(Debug, Clone)]
pub enum Exchanged {
    /// An access token for the user who consented.
    Token(Redacted<String>),
    /// The provider refused the code (used, expired, not for this client, redirect URI or PKCE
    /// verifier): `invalid_grant` and the like.
    Rejected,
}

/// One outside identity provider, spoken to over HTTP (its real endpoints, or locally the
/// sandbox provider that speaks the same protocol).
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// Whether it takes a PKCE challenge (RFC 7636, S256).
    fn supports_pkce(&self) -> bool;
    /// Where the browser goes to consent: the authorize endpoint with this client's id, the
    /// redirect URI, the state and (if supported) the PKCE challenge.
    fn authorize_url(&self, state: &str, code_challenge: Option<&str>, redirect_uri: &str) -> String;
    /// Exchanges the code server-side (client secret, redirect URI, PKCE verifier). A provider
    /// that does not answer is `ProviderUnavailable`.
    async fn exchange(&self, code: &str, verifier: Option<&str>, redirect_uri: &str) -> Result<Exchanged>;
    /// The provider's stable id of the user the token belongs to.
    async fn user_id(&self, access_token: &Redacted<String>) -> Result<String>;
}

/// The configured providers and the redirect URI the console's callback page has.
#[derive(Clone, Default)]
pub struct IdentityProviders {
    pub providers: HashMap<ThirdParty, Arc<dyn IdentityProvider>>,
    pub redirect_uri: String,
}

impl IdentityProviders {
    /// The provider, if configured.
    pub fn get(&self, provider: ThirdParty) -> Option<&dyn IdentityProvider> {
        self.providers.get(&provider).map(|p| p.as_ref())
    }
}

/// A bound identity as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThirdPartyBinding {
    pub provider: ThirdParty,
    /// The keyed hash of the provider's user id (the binding's lookup key).
    pub subject_hash: String,
    /// The provider's user id, masked.
    pub masked: String,
    pub bound_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindOutcome {
    Bound,
    /// This provider's user is already bound to an account (another, or this one).
    SubjectTaken,
    /// This account already has an identity of this provider.
    ProviderAlreadyBound,
}

#[async_trait]
pub trait ThirdPartyStore: Send + Sync {
    /// The account a provider's user (by keyed hash) is bound to.
    async fn bound_account(&self, provider: ThirdParty, subject_hash: &str) -> Result<Option<AccountId>>;
    /// The account's bindings (at most one per provider).
    async fn bindings(&self, account: &AccountId) -> Result<Vec<ThirdPartyBinding>>;
    /// Binds, unique per provider user and one per provider per account (guard items written
    /// together with conditions).
    async fn bind(&self, account: &AccountId, binding: &ThirdPartyBinding) -> Result<BindOutcome>;
    /// Removes the account's binding of the provider and its guard: `false` if it had none.
    async fn unbind(&self, account: &AccountId, provider: ThirdParty) -> Result<bool>;
}
