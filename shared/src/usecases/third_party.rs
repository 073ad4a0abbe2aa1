//! Third-party sign-in [LOGIN-2]: a passport account binds an account of an outside identity
//! provider (WeChat, QQ, Weibo) and then signs in with it; login protection applies after it
//! [LOGIN-3]. Each sign-in or binding is an OAuth 2.0 authorization-code flow:
//!
//! 1. `start`: a fresh `state` (128 random bits) and a browser secret (returned to the browser
//!    that started, which must present it at the callback); the flow is stored under the keyed
//!    hash of the state, with the keyed hash of the browser secret, its purpose and 10 minutes;
//!    the PKCE verifier is derived from the state with the secret pepper (nothing to store), its
//!    S256 challenge goes to the provider that takes PKCE.
//! 2. the callback: a try is reserved in the caller's source failure window (as for password
//!    sign-ins) before anything is checked; the flow is used up by one conditional write (same
//!    provider, purpose, account and browser; in time; once), then the code is exchanged
//!    server-side (client secret, redirect URI, verifier) and the provider's user id read; its
//!    keyed hash is the binding's key.

use super::deps::{
    HasAccounts, HasClock, HasFlows, HasIdentityProviders, HasKeys, HasSecurity, HasSignIn, HasSteps, HasThirdParty,
};
use super::factors::{record_of, require_step_up};
use super::flows::advance;
use super::sign_in::{first_factor_passed, Protection, SessionFor, SignInOutcome};
use super::Caller;
use crate::domain::ids::{new_opaque_id, AccountId, FlowId};
use crate::domain::login::CredentialRef;
use crate::domain::redacted::Redacted;
use crate::domain::session::{Principal, SignInMethod};
use crate::domain::third_party::pkce_challenge;
use crate::domain::third_party::{
    mask_subject, AuthorizationPurpose, AuthorizationState, Consume, ThirdParty, ThirdPartyAuthorization,
    AUTHORIZATION_TTL,
};
use crate::domain::throttle::{self, Throttle};
use crate::error::{Error, Result};
use crate::ports::{BindOutcome, Exchanged, IdentityProvider, Settle, ThirdPartyBinding, Write};
use chrono::{DateTime, Utc};

/// What a started authorization gives the browser.
#[derive(Debug, Clone)]
pub struct Started {
    /// Where to send the browser (the provider's consent page).
    pub authorize_url: String,
    /// The browser keeps it and presents it with the callback: a `state` carried to another
    /// browser is refused there.
    pub browser_secret: Redacted<String>,
    pub expires_at: DateTime<Utc>,
}

/// What an authorization is for.
#[derive(Debug, Clone, Copy)]
pub enum Start<'a> {
    SignIn,
    /// Binding to the signed-in passport account.
    Bind(&'a Principal),
}

/// What the provider's redirect brought back, with the browser's secret.
#[derive(Clone, Copy)]
pub struct Callback<'a> {
    pub provider: ThirdParty,
    pub code: &'a str,
    pub state: &'a str,
    pub browser_secret: &'a str,
}

/// Without the code, the state and the browser's secret.
impl std::fmt::Debug for Callback<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback").field("provider", &self.provider).finish_non_exhaustive()
    }
}

fn passport_only(principal: &Principal) -> Result<()> {
    if principal.credential.cloud_username().is_some() {
        return Err(Error::ThirdPartyPassportOnly);
    }
    Ok(())
}

fn provider_of(deps: &impl HasIdentityProviders, provider: ThirdParty) -> Result<&dyn IdentityProvider> {
    deps.identity_providers().get(provider).ok_or(Error::NotFound)
}

fn flow_id_of(deps: &impl HasKeys, state: &str) -> FlowId {
    FlowId::from_raw(deps.keys().keyed_hash("oauth-state", state))
}

/// The PKCE verifier of a state: 64 characters of the unreserved set, known only with the pepper.
fn verifier_of(deps: &impl HasKeys, state: &str) -> String {
    deps.keys().keyed_hash("oauth-pkce-verifier", state)
}

fn subject_hash(deps: &impl HasKeys, provider: ThirdParty, subject: &str) -> String {
    deps.keys().keyed_hash(&format!("third-party/{provider}"), subject)
}

/// Starts an authorization: the provider's consent URL and the browser's secret.
pub async fn start(
    deps: &(impl HasClock + HasKeys + HasFlows + HasIdentityProviders + HasThirdParty),
    provider: ThirdParty,
    start: Start<'_>,
) -> Result<Started> {
    let client = provider_of(deps, provider)?;
    let purpose = match start {
        Start::SignIn => AuthorizationPurpose::SignIn,
        Start::Bind(principal) => {
            passport_only(principal)?;
            if deps.third_party().bindings(&principal.account_id).await?.iter().any(|b| b.provider == provider) {
                return Err(Error::ThirdPartyAlreadyBound { provider: provider.as_str() });
            }
            AuthorizationPurpose::Bind { account_id: principal.account_id.clone() }
        }
    };
    let (state, browser_secret) = (new_opaque_id(), new_opaque_id());
    let expires_at = deps.clock().now() + AUTHORIZATION_TTL;
    let flow = ThirdPartyAuthorization {
        provider,
        purpose,
        browser_hash: deps.keys().keyed_hash("oauth-browser", &browser_secret),
        state: AuthorizationState::Open,
        expires_at,
    };
    deps.flows::<ThirdPartyAuthorization>().create(&flow_id_of(deps, &state), &flow).await?;
    let challenge = client.supports_pkce().then(|| pkce_challenge(&verifier_of(deps, &state)));
    let authorize_url = client.authorize_url(&state, challenge.as_deref(), &deps.identity_providers().redirect_uri);
    Ok(Started { authorize_url, browser_secret: Redacted::new(browser_secret), expires_at })
}

/// A try reserved in the caller's source window before anything is checked [LOGIN-6].
async fn reserve_source(deps: &(impl HasClock + HasKeys + HasSignIn), caller: &Caller) -> Result<Settle> {
    let source = Throttle::Source(deps.keys().keyed_hash("source", &caller.source_ip));
    let windows = [(&source, throttle::MAX_FAILURES_PER_SOURCE)];
    match deps.sign_in().reserve(&windows, deps.clock().now(), throttle::WINDOW).await? {
        Ok(token) => Ok(Settle::Refund(source, token)),
        Err(full) => Err(Error::SignInLocked { retry_after_secs: full.retry_after_secs }),
    }
}

/// Uses the authorization up (one conditional write), then exchanges the code and reads the
/// provider's user id: its keyed hash and masked form.
async fn identity(
    deps: &(impl HasClock + HasKeys + HasFlows + HasIdentityProviders),
    callback: Callback<'_>,
    binding_for: Option<&AccountId>,
) -> Result<(String, String)> {
    let client = provider_of(deps, callback.provider)?;
    let store = deps.flows::<ThirdPartyAuthorization>();
    let current = store.load(&flow_id_of(deps, callback.state)).await?.ok_or(Error::OAuthStateInvalid)?;
    let browser_hash = deps.keys().keyed_hash("oauth-browser", callback.browser_secret);
    let event = || Consume { provider: callback.provider, binding_for, browser_hash: &browser_hash };
    advance(store, current, event, deps.clock().now()).await?.map_err(|_| Error::OAuthStateInvalid)?;
    let verifier = verifier_of(deps, callback.state);
    let redirect_uri = &deps.identity_providers().redirect_uri;
    let token = match client.exchange(callback.code, Some(&verifier), redirect_uri).await? {
        Exchanged::Token(token) => token,
        Exchanged::Rejected => return Err(Error::OAuthCodeRejected),
    };
    let subject = client.user_id(&token).await?;
    Ok((subject_hash(deps, callback.provider, &subject), mask_subject(&subject)))
}

/// Signs in with a bound third-party identity: a session, or under login protection a pending
/// sign-in a second factor completes [LOGIN-3]. An identity bound to no account is refused
/// with the way to bind it.
pub async fn sign_in(
    deps: &(impl HasClock
          + HasKeys
          + HasFlows
          + HasSignIn
          + HasSteps
          + HasSecurity
          + HasAccounts
          + HasThirdParty
          + HasIdentityProviders),
    callback: Callback<'_>,
    caller: &Caller,
) -> Result<SignInOutcome> {
    provider_of(deps, callback.provider)?;
    let settle = reserve_source(deps, caller).await?;
    let (hash, _) = identity(deps, callback, None).await?;
    let now = deps.clock().now();
    let not_bound = Error::ThirdPartyNotBound { provider: callback.provider.as_str() };
    let Some(account_id) = deps.third_party().bound_account(callback.provider, &hash).await? else {
        deps.sign_in().settle(std::slice::from_ref(&settle), now).await?;
        return Err(not_bound);
    };
    let credential = CredentialRef::Passport(account_id.clone());
    let (record, account) =
        futures::future::join(deps.security().security(&credential), deps.accounts().account(&account_id)).await;
    let (Some(record), Some(account)) = (record?, account?) else {
        deps.sign_in().settle(std::slice::from_ref(&settle), now).await?;
        return Err(not_bound);
    };
    let whom = SessionFor {
        account_id: &account_id,
        credential: &credential,
        idle_timeout_secs: record.idle_timeout_secs,
        activation_pending: !account.activated,
        generation: record.session_generation,
    };
    let settled = vec![Write::Settle(&settle, now)];
    first_factor_passed(deps, whom, Protection::of(&record), SignInMethod::ThirdParty, caller, settled)
        .await?
        .ok_or_else(|| Error::internal("third-party sign-in", "a new session's write was refused"))
}

/// Binds the identity to the signed-in passport account: unique per provider user, one per
/// provider per account (both held by the database).
pub async fn bind(
    deps: &(impl HasClock + HasKeys + HasFlows + HasSignIn + HasThirdParty + HasIdentityProviders),
    principal: &Principal,
    callback: Callback<'_>,
    caller: &Caller,
) -> Result<ThirdPartyBinding> {
    passport_only(principal)?;
    provider_of(deps, callback.provider)?;
    let settle = reserve_source(deps, caller).await?;
    let (subject_hash, masked) = identity(deps, callback, Some(&principal.account_id)).await?;
    let now = deps.clock().now();
    deps.sign_in().settle(std::slice::from_ref(&settle), now).await?;
    let provider = callback.provider;
    let binding = ThirdPartyBinding { provider, subject_hash, masked, bound_at: now };
    match deps.third_party().bind(&principal.account_id, &binding).await? {
        BindOutcome::Bound => Ok(binding),
        BindOutcome::SubjectTaken => Err(Error::ThirdPartyTaken { provider: provider.as_str() }),
        BindOutcome::ProviderAlreadyBound => Err(Error::ThirdPartyAlreadyBound { provider: provider.as_str() }),
    }
}

/// Unbinds the account's identity of the provider; operation-protected [MFA-2].
pub async fn unbind(
    deps: &(impl HasClock + HasSecurity + HasThirdParty),
    principal: &Principal,
    provider: ThirdParty,
) -> Result<()> {
    let record = record_of(deps, principal).await?;
    require_step_up(deps, principal, &record)?;
    if !deps.third_party().unbind(&principal.account_id, provider).await? {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// The account's bound identities (masked).
pub async fn bindings(deps: &impl HasThirdParty, principal: &Principal) -> Result<Vec<ThirdPartyBinding>> {
    deps.third_party().bindings(&principal.account_id).await
}
