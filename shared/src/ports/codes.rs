//! Verification codes (SMS and email): stored as keyed hashes, with send limits.

use crate::domain::code::Purpose;
use crate::domain::ids::ChallengeId;
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

/// A code to store: only its keyed hash, bound to the request id, purpose and target.
#[derive(Debug, Clone)]
pub struct NewCode {
    pub challenge_id: ChallengeId,
    pub purpose: Purpose,
    pub target_hash: String,
    pub code_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Whose daily send budget a code counts against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendCounter {
    /// The phone or email the code goes to (by keyed hash), for one purpose; for an anonymous
    /// purpose also per asker (the caller's keyed hash).
    Target { purpose: Purpose, hash: String, asker: Option<String> },
    /// The caller's source address (by keyed hash).
    Source(String),
    /// A phone (by keyed hash), every purpose together: its day's ceiling and spacing.
    Phone(String),
}

/// The phone's own ceiling a code to a phone must also pass (issue 25): every code to the phone
/// that day, strangers' purposes within their share, at most one a minute (two for the owner's
/// own codes: a sign-in's code right after another flow's).
#[derive(Debug, Clone)]
pub struct PhoneCeiling {
    pub counter: SendCounter,
    pub owner: bool,
    pub ceiling: u32,
    pub stranger_share: u32,
}

/// The send counters a new code must pass, updated in the same write.
#[derive(Debug, Clone)]
pub struct SendLimits {
    pub target: SendCounter,
    pub source: SendCounter,
    pub day: String,
    pub spacing: Duration,
    pub target_daily_cap: u32,
    pub source_daily_cap: u32,
    /// For a code to a phone.
    pub phone: Option<PhoneCeiling>,
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
    pub challenge_id: ChallengeId,
    pub purpose: Purpose,
    pub target_hash: String,
    pub code_hash: String,
    pub now: DateTime<Utc>,
    pub max_attempts: u32,
}

/// A code whose try was reserved: what the caller compares, in constant time.
#[derive(Debug, Clone)]
pub struct StoredCode {
    pub purpose: String,
    pub target_hash: String,
    pub code_hash: String,
    pub state: CodeState,
}

#[derive(Debug, Clone)]
pub enum Reservation {
    Reserved(StoredCode),
    /// No try left, used up, or (`None`) no such code.
    Refused(Option<CodeState>),
}

/// A stored code's state (attempts count the reserved tries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeState {
    pub attempts: u32,
    pub consumed: bool,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Stores the code and counts the send, atomically; refuses when a limit is reached.
    async fn issue(&self, code: &NewCode, limits: &SendLimits, now: DateTime<Utc>) -> Result<IssueOutcome>;
    /// Stores a code that is never sent, counting no send: a decoy, tried where nothing matched
    /// so that a try costs the same work either way [REC-4].
    async fn plant_decoy(&self, code: &NewCode) -> Result<()>;
    /// Reserves one try of the code before it is compared (unless it is used up or its tries
    /// are), so parallel guesses get `max_attempts` tries in all.
    async fn reserve_try(&self, challenge_id: &ChallengeId, max_attempts: u32) -> Result<Reservation>;
    /// Uses the code up if the proof holds (right code, purpose, target, unexpired, its try
    /// reserved, not used yet).
    async fn consume(&self, proof: &CodeProof) -> Result<bool>;
}
