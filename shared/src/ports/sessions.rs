//! Sign-in facts, failure windows and console sessions.

use crate::domain::ids::{AccountId, SessionId};
use crate::domain::login::{CredentialRef, LoginName};
use crate::domain::redacted::Redacted;
use crate::domain::session::SignInMethod;
use crate::domain::throttle::{FailureWindow, Throttle};
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

/// What sign-in needs of a login name.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The credential itself (the name signed in with may be an alias of it).
    pub credential: CredentialRef,
    pub account_id: AccountId,
    pub password_hash: Redacted<String>,
    pub idle_timeout_secs: i64,
    pub login_protection: bool,
    pub totp_bound: bool,
    /// False for a passport or legacy account until it accepts the agreements [REG-4].
    pub activated: bool,
}

#[derive(Debug, Clone, Default)]
pub struct SignInFacts {
    pub credential: Option<Credential>,
    pub username_window: Option<FailureWindow>,
    pub source_window: Option<FailureWindow>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub session_id: SessionId,
    pub account_id: AccountId,
    /// The credential (security record) the session signed in with.
    pub credential: CredentialRef,
    pub method: SignInMethod,
    pub user_agent: String,
    pub created_at: DateTime<Utc>,
    pub idle_timeout_secs: i64,
    pub expires_at: DateTime<Utc>,
    pub activation_pending: bool,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub session_id: SessionId,
    pub account_id: AccountId,
    pub credential: CredentialRef,
    pub idle_timeout_secs: i64,
    pub step_up_until: Option<DateTime<Utc>>,
    pub activation_pending: bool,
}

/// A live session as its owner sees it in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub session_id: SessionId,
    pub created_at: String,
    pub last_seen_at: String,
    pub method: String,
    pub user_agent: String,
}

#[async_trait]
pub trait SignInStore: Send + Sync {
    /// Reads the credential and both failure windows in one round trip.
    async fn facts(&self, name: &LoginName, username: &Throttle, source: &Throttle) -> Result<SignInFacts>;
    /// Counts a failure in each window (opening a new window where the old one ended).
    async fn record_failure(&self, throttles: &[&Throttle], now: DateTime<Utc>, window: Duration) -> Result<()>;
    /// The credential a login name stands for (following an alias).
    async fn credential(&self, name: &LoginName) -> Result<Option<Credential>>;
    /// One failure window on its own (the second-factor window).
    async fn window(&self, throttle: &Throttle) -> Result<Option<FailureWindow>>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Creates the session; clears the username's failure window in the same write.
    async fn create(&self, session: &NewSession, clear_throttle: Option<&Throttle>) -> Result<()>;
    /// Marks activity and extends the idle deadline, only if the session is alive at `now`.
    async fn touch(
        &self,
        session_id: &SessionId,
        account_id: &AccountId,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>>;
    /// Revokes the session at once.
    async fn revoke(&self, session_id: &SessionId, account_id: &AccountId) -> Result<()>;
    /// The account was activated: the session may now do everything [REG-4].
    async fn clear_activation(&self, session_id: &SessionId, account_id: &AccountId) -> Result<()>;
    /// Records a passed second factor on the session until `until` [MFA-2].
    async fn grant_step_up(&self, session_id: &SessionId, account_id: &AccountId, until: DateTime<Utc>) -> Result<()>;
    /// The account's sessions alive at `now`, newest first.
    async fn list(&self, account_id: &AccountId, now: DateTime<Utc>) -> Result<Vec<SessionInfo>>;
    /// Revokes every session of the account but `keep`; returns how many.
    async fn revoke_others(&self, account_id: &AccountId, keep: Option<&SessionId>) -> Result<usize>;
}
