//! Ports: one narrow trait per capability. The DynamoDB adapter implements the stores; outside
//! parties (SMS) have a production and a sandbox adapter.

use crate::domain::agreements::Acceptance;
use crate::domain::code::Purpose;
use crate::domain::throttle::FailureWindow;
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

// ---- verification codes -------------------------------------------------------------------

/// A code to store: only its keyed hash, bound to the request id, purpose and target.
#[derive(Debug, Clone)]
pub struct NewCode {
    pub challenge_id: String,
    pub purpose: Purpose,
    pub target_hash: String,
    pub code_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The send counters a new code must pass, updated in the same write.
#[derive(Debug, Clone)]
pub struct SendLimits {
    pub target_key: String,
    pub source_key: String,
    pub day: String,
    pub spacing: Duration,
    pub target_daily_cap: u32,
    pub source_daily_cap: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueOutcome {
    Issued,
    TargetTooSoon { last_sent: DateTime<Utc> },
    TargetDailyCapReached,
    SourceDailyCapReached,
}

/// A claim that `code_hash` is the code of `challenge_id` for this purpose and target, at `now`.
#[derive(Debug, Clone)]
pub struct CodeProof {
    pub challenge_id: String,
    pub purpose: Purpose,
    pub target_hash: String,
    pub code_hash: String,
    pub now: DateTime<Utc>,
    pub max_attempts: u32,
}

/// A stored code's state after a failed try was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeState {
    pub attempts: u32,
    pub consumed: bool,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Stores the code and counts the send, atomically; refuses when a limit is reached.
    async fn issue(
        &self,
        code: &NewCode,
        limits: &SendLimits,
        now: DateTime<Utc>,
    ) -> Result<IssueOutcome>;
    /// Counts a failed try (unless the code is used up or exhausted) and returns its state;
    /// `None` when there is no such code.
    async fn record_failure(
        &self,
        challenge_id: &str,
        max_attempts: u32,
    ) -> Result<Option<CodeState>>;
}

// ---- accounts -----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct NewCloudAccount {
    pub account_id: String,
    pub username: String,
    pub username_key: String,
    pub password_hash: String,
    pub phone_hash: String,
    pub phone_encrypted: String,
    pub phone_masked: String,
    pub created_at: DateTime<Utc>,
    pub agreements: Vec<Acceptance>,
    pub idle_timeout_secs: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterOutcome {
    Registered,
    CodeRejected,
    UsernameTaken,
    PhoneLimitReached,
}

/// An account as stored, for its owner.
#[derive(Debug, Clone)]
pub struct AccountRecord {
    pub account_id: String,
    pub username: String,
    pub phone_masked: String,
    pub created_at: DateTime<Utc>,
    pub agreements: Vec<Acceptance>,
    pub verification: String,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// In one transaction: consumes the code, claims the username, creates the account and counts
    /// it against the phone's cap. Nothing is written unless all succeed.
    async fn register(
        &self,
        account: &NewCloudAccount,
        proof: &CodeProof,
        phone_cap: u32,
    ) -> Result<RegisterOutcome>;
    async fn account(&self, account_id: &str) -> Result<Option<AccountRecord>>;
}

// ---- sign-in and sessions -----------------------------------------------------------------

/// What sign-in needs of a login name.
#[derive(Debug, Clone)]
pub struct Credential {
    pub account_id: String,
    pub password_hash: String,
    pub idle_timeout_secs: i64,
}

#[derive(Debug, Clone, Default)]
pub struct SignInFacts {
    pub credential: Option<Credential>,
    pub username_window: Option<FailureWindow>,
    pub source_window: Option<FailureWindow>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub session_id: String,
    pub account_id: String,
    pub method: &'static str,
    pub user_agent: String,
    pub created_at: DateTime<Utc>,
    pub idle_timeout_secs: i64,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub session_id: String,
    pub account_id: String,
    pub idle_timeout_secs: i64,
}

#[async_trait]
pub trait SignInStore: Send + Sync {
    /// Reads the credential and both failure windows in one round trip.
    async fn facts(
        &self,
        username_key: &str,
        username_throttle: &str,
        source_throttle: &str,
    ) -> Result<SignInFacts>;
    /// Counts a failure in each window (opening a new window where the old one ended).
    async fn record_failure(
        &self,
        throttle_keys: &[&str],
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<()>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Creates the session; clears the username's failure window in the same write.
    async fn create(&self, session: &NewSession, clear_throttle: Option<&str>) -> Result<()>;
    /// Marks activity and extends the idle deadline, only if the session is alive at `now`.
    async fn touch(
        &self,
        session_id: &str,
        account_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>>;
    /// Revokes the session at once.
    async fn revoke(&self, session_id: &str, account_id: &str) -> Result<()>;
}

// ---- outside parties ----------------------------------------------------------------------

#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send(&self, phone_e164: &str, text: &str) -> Result<()>;
}
