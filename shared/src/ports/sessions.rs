//! Sign-in facts, failure windows and console sessions.

use crate::domain::ids::{AccountId, SessionId};
use crate::domain::login::{CredentialRef, LoginName};
use crate::domain::redacted::Redacted;
use crate::domain::session::{Liveness, SignInMethod};
use crate::domain::throttle::Throttle;
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
    /// The factors login protection accepts [MFA-1].
    pub login_factors: crate::domain::security::ChosenFactors,
    /// What it can pass a second factor with: a device bound, passkeys [MFA-1, KEY-2].
    pub means: crate::domain::security::Means,
    /// False for a passport or legacy account until it accepts the agreements [REG-4].
    pub activated: bool,
    /// The account's session generation: a session signed in now is born in it [issue 15].
    pub session_generation: u64,
}

/// Windows that had no try left: which (by position) and the wait until the last of them ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Full {
    pub windows: Vec<usize>,
    pub retry_after_secs: u64,
}

/// The mark of one request's reserved tries, kept in each window it counted in: a write the SDK
/// sends again after a lost answer finds its own mark and is not counted twice [issue 24].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryToken(pub String);

/// A try reserved in a failure window, to settle once the secret was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    /// A success ends the window (the username's: its failures no longer count).
    Clear(Throttle),
    /// A success gives the try back (the source's: only failures count against it).
    Refund(Throttle, TryToken),
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
    /// The account's session generation read with the credential (signing out everywhere
    /// moves the account on, so a session born in an older one is signed out) [issue 15].
    pub generation: u64,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub session_id: SessionId,
    pub account_id: AccountId,
    pub credential: CredentialRef,
    pub idle_timeout_secs: i64,
    pub step_up_until: Option<DateTime<Utc>>,
    pub activation_pending: bool,
    pub liveness: Liveness,
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
    /// Reserves one try in every window (each with its cap), all or none, before the secret is
    /// checked; a window that ended opens anew (`length` long). All but the last are taken at
    /// once, then the last (the narrowest: where a burst is refused), and a refusal gives back
    /// the tries taken. `Err` while a window is full: which one, and the wait until it ends.
    async fn reserve(
        &self,
        windows: &[(&Throttle, u32)],
        now: DateTime<Utc>,
        length: Duration,
    ) -> Result<std::result::Result<TryToken, Full>>;
    /// Settles reserved tries after a success (alone; sign-in settles with the new session).
    async fn settle(&self, settle: &[Settle], now: DateTime<Utc>) -> Result<()>;
    /// The credential a login name stands for (following an alias).
    async fn credential(&self, name: &LoginName) -> Result<Option<Credential>>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// The session (if it is this account's) and the account's current session generation,
    /// read together and strongly consistent: the authorizer's one request per call.
    async fn session(&self, session_id: &SessionId, account_id: &AccountId) -> Result<Option<(SessionRecord, u64)>>;
    /// Marks activity at `now` (the idle deadline moves on), unless another call marked it since
    /// `session` was read; `false` when the session is gone.
    async fn mark_active(&self, session: &SessionRecord, now: DateTime<Utc>) -> Result<bool>;
    /// Revokes the session at once.
    async fn revoke(&self, session_id: &SessionId, account_id: &AccountId) -> Result<()>;
    /// The account was activated: the session may now do everything [REG-4].
    async fn clear_activation(&self, session_id: &SessionId, account_id: &AccountId) -> Result<()>;
    /// A new idle timeout for a live session, counted from `now` [LOGIN-4].
    async fn set_idle_timeout(
        &self,
        session_id: &SessionId,
        account_id: &AccountId,
        secs: i64,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Records a passed second factor on the session until `until` [MFA-2].
    async fn grant_step_up(&self, session_id: &SessionId, account_id: &AccountId, until: DateTime<Utc>) -> Result<()>;
    /// The account's sessions alive at `now` (in the generation of `current`, the caller's),
    /// newest first. Expired ones are not read.
    async fn list(&self, account_id: &AccountId, current: &SessionId, now: DateTime<Utc>) -> Result<Vec<SessionInfo>>;
    /// Signs out every session of the account but `keep` (the caller's), whatever their number:
    /// the account moves to its next session generation and `keep` with it. How many live
    /// sessions were signed out, or `None` when `keep` itself was signed out meanwhile.
    async fn revoke_others(
        &self,
        account_id: &AccountId,
        credential: &CredentialRef,
        keep: &SessionId,
        now: DateTime<Utc>,
    ) -> Result<Option<usize>>;
    /// Signs out every session of the account at once, in one write whatever their number.
    async fn revoke_all(&self, account_id: &AccountId, credential: &CredentialRef) -> Result<()>;
}
