//! Third-party sign-in [LOGIN-2]: a passport account binds accounts of outside identity providers
//! (WeChat, QQ, Weibo) and then signs in with them. Each sign-in or binding runs the OAuth 2.0
//! authorization-code flow; the flow is stored, keyed by the keyed hash of its `state`, bound to
//! the browser that started it (a secret only that browser holds) and used at most once.
//!
//! ```text
//! open --consume (same provider, purpose and browser, in time)--> used
//! ```

use super::flow::{Flow, FlowKind};
use super::ids::AccountId;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The S256 PKCE challenge of a verifier (RFC 7636): base64url of its SHA-256, unpadded.
pub fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// How long a started authorization may come back (the provider's page, the user's consent).
pub const AUTHORIZATION_TTL: Duration = Duration::minutes(10);

/// The outside identity providers an account may bind (the seed names these three).
#[derive(schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThirdParty {
    Wechat,
    Qq,
    Weibo,
}

impl ThirdParty {
    pub const ALL: [ThirdParty; 3] = [ThirdParty::Wechat, ThirdParty::Qq, ThirdParty::Weibo];

    /// The name in routes, keys and configuration (`wechat`); never changes.
    pub fn as_str(self) -> &'static str {
        match self {
            ThirdParty::Wechat => "wechat",
            ThirdParty::Qq => "qq",
            ThirdParty::Weibo => "weibo",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        ThirdParty::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for ThirdParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an authorization was started for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "purpose")]
pub enum AuthorizationPurpose {
    /// Signing in with an identity already bound.
    SignIn,
    /// Binding the identity to this (signed-in passport) account.
    Bind { account_id: AccountId },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorizationState {
    Open,
    Used,
}

/// A started authorization-code flow. The `state` itself is not stored (the flow's id is its
/// keyed hash), nor the PKCE verifier (derived from the state with the secret pepper); the
/// browser's secret only as a keyed hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThirdPartyAuthorization {
    pub provider: ThirdParty,
    pub purpose: AuthorizationPurpose,
    pub browser_hash: String,
    pub state: AuthorizationState,
    pub expires_at: DateTime<Utc>,
}

/// The callback presents the flow's state with what it is for and the browser's secret.
#[derive(Debug, Clone, Copy)]
pub struct Consume<'a> {
    pub provider: ThirdParty,
    /// `None` for a sign-in, the signed-in account for a binding.
    pub binding_for: Option<&'a AccountId>,
    pub browser_hash: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StateRefusal {
    #[error("the authorization expired")]
    Expired,
    #[error("the authorization was already used")]
    Used,
    /// Another browser, provider, purpose or account than the one that started it: the flow
    /// stays open for its own browser.
    #[error("the authorization was started elsewhere")]
    Foreign,
}

impl Flow for ThirdPartyAuthorization {
    const KIND: FlowKind = FlowKind::ThirdPartyAuthorization;
    type Event<'a> = Consume<'a>;
    type Refusal = StateRefusal;

    fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    fn apply(self, event: Consume<'_>, now: DateTime<Utc>) -> Result<Self, StateRefusal> {
        use subtle::ConstantTimeEq;
        let purpose_matches = match (&self.purpose, event.binding_for) {
            (AuthorizationPurpose::SignIn, None) => true,
            (AuthorizationPurpose::Bind { account_id }, Some(caller)) => account_id == caller,
            _ => false,
        };
        let same_browser = bool::from(self.browser_hash.as_bytes().ct_eq(event.browser_hash.as_bytes()));
        if !purpose_matches || !same_browser || self.provider != event.provider {
            return Err(StateRefusal::Foreign);
        }
        if self.state == AuthorizationState::Used {
            return Err(StateRefusal::Used);
        }
        if now >= self.expires_at {
            return Err(StateRefusal::Expired);
        }
        Ok(ThirdPartyAuthorization { state: AuthorizationState::Used, ..self })
    }
}

/// A provider's user id as shown to its owner: the first two and last two characters.
pub fn mask_subject(subject: &str) -> String {
    let chars: Vec<char> = subject.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len().max(1));
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(purpose: AuthorizationPurpose, now: DateTime<Utc>) -> ThirdPartyAuthorization {
        ThirdPartyAuthorization {
            provider: ThirdParty::Wechat,
            purpose,
            browser_hash: "b".into(),
            state: AuthorizationState::Open,
            expires_at: now + AUTHORIZATION_TTL,
        }
    }

    #[test]
    fn a_state_is_consumed_once_by_its_own_browser_and_purpose() {
        let now = Utc::now();
        let sign_in = flow(AuthorizationPurpose::SignIn, now);
        let ok = Consume { provider: ThirdParty::Wechat, binding_for: None, browser_hash: "b" };
        let used = sign_in.clone().apply(ok, now).unwrap();
        assert_eq!(used.state, AuthorizationState::Used);
        assert_eq!(used.apply(ok, now), Err(StateRefusal::Used));
        assert_eq!(sign_in.clone().apply(Consume { browser_hash: "x", ..ok }, now), Err(StateRefusal::Foreign));
        assert_eq!(sign_in.clone().apply(Consume { provider: ThirdParty::Qq, ..ok }, now), Err(StateRefusal::Foreign));
        let me = AccountId::from_raw("a1");
        assert_eq!(sign_in.clone().apply(Consume { binding_for: Some(&me), ..ok }, now), Err(StateRefusal::Foreign));
        assert_eq!(sign_in.apply(ok, now + AUTHORIZATION_TTL), Err(StateRefusal::Expired));
        let bind = flow(AuthorizationPurpose::Bind { account_id: me.clone() }, now);
        let other = AccountId::from_raw("a2");
        assert_eq!(bind.clone().apply(ok, now), Err(StateRefusal::Foreign));
        assert_eq!(bind.clone().apply(Consume { binding_for: Some(&other), ..ok }, now), Err(StateRefusal::Foreign));
        assert!(bind.apply(Consume { binding_for: Some(&me), ..ok }, now).is_ok());
    }

    #[test]
    fn providers_round_trip_and_subjects_are_masked() {
        for p in ThirdParty::ALL {
            assert_eq!(ThirdParty::parse(p.as_str()), Some(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{p}\""));
            assert_eq!(serde_json::from_str::<ThirdParty>(&json).unwrap(), p);
        }
        assert_eq!(ThirdParty::parse("github"), None);
        assert_eq!(mask_subject("sbx_alice"), "sb*****ce");
        assert_eq!(mask_subject("abc"), "***");
    }
}
