//! Ports: one narrow trait per capability. The DynamoDB adapter implements the stores; outside
//! parties (SMS) have a production and a sandbox adapter.

use crate::domain::agreements::Acceptance;
use crate::domain::code::Purpose;
use crate::domain::throttle::FailureWindow;
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;

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
    async fn issue(&self, code: &NewCode, limits: &SendLimits, now: DateTime<Utc>) -> Result<IssueOutcome>;
    /// Counts a failed try (unless the code is used up or exhausted) and returns its state;
    /// `None` when there is no such code.
    async fn record_failure(&self, challenge_id: &str, max_attempts: u32) -> Result<Option<CodeState>>;
    /// Uses the code up if the proof holds (right code, purpose, target, unexpired, tries left).
    async fn consume(&self, proof: &CodeProof) -> Result<bool>;
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
    /// Imported or registered before 2022-09-07: must be activated on first sign-in [REG-4].
    pub legacy: bool,
}

/// A passport account (one per phone, platform-wide) [REG-3].
#[derive(Debug, Clone)]
pub struct NewPassportAccount {
    pub account_id: String,
    /// The platform username, if the account has one.
    pub username: Option<String>,
    pub phone: SealedContact,
    pub email: Option<SealedContact>,
    /// Empty until a password is set.
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    pub agreements: Vec<Acceptance>,
    pub activated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassportOutcome {
    Created,
    /// The phone already has a passport account (this one).
    Exists {
        account_id: String,
    },
    CodeRejected,
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
    pub phone_encrypted: String,
    pub personal: Option<PersonalIdentity>,
    pub student: Option<StudentRecord>,
    pub phone_hash: String,
    pub kind: String,
    pub activated: bool,
    pub email: Option<SealedContact>,
    pub profile: Profile,
    /// Products whose SMS notifications are turned off [ACC-5].
    pub sms_off: BTreeSet<String>,
}

pub use crate::domain::account::Profile;

/// A phone number or email as stored: encrypted, masked for display, keyed hash for look-ups.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SealedContact {
    pub encrypted: String,
    pub masked: String,
    pub hash: String,
}

#[derive(Debug, Clone)]
pub enum AccountChange {
    Email(SealedContact),
    Profile(Profile),
    SmsOff(BTreeSet<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneChangeOutcome {
    Changed,
    /// The new phone already has the maximum number of cloud accounts.
    PhoneLimitReached,
    /// The bound phone changed meanwhile.
    Stale,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// In one transaction: consumes the code, claims the username, creates the account and counts
    /// it against the phone's cap. Nothing is written unless all succeed.
    /// Without a proof: an import (legacy accounts).
    async fn register(
        &self,
        account: &NewCloudAccount,
        proof: Option<&CodeProof>,
        phone_cap: u32,
    ) -> Result<RegisterOutcome>;
    /// In one transaction: (consumes the code,) claims the phone's one passport account [REG-3],
    /// creates the account, its credential and the phone (and email) sign-in aliases.
    async fn create_passport(&self, account: &NewPassportAccount, proof: Option<&CodeProof>)
        -> Result<PassportOutcome>;
    /// Every account bound to the phone (cloud accounts and its passport account) [REC-3].
    async fn accounts_of_phone(&self, phone_hash: &str) -> Result<Vec<String>>;
    /// A passport account's phone: rebinds it and moves the one-per-phone guard and the sign-in
    /// alias in one transaction [REG-3, ACC-2]. `PhoneLimitReached`: the phone has a passport account.
    async fn change_passport_phone(
        &self,
        account_id: &str,
        old_hash: &str,
        new: &SealedContact,
    ) -> Result<PhoneChangeOutcome>;
    /// A passport account's email: binds it and moves its sign-in alias; `false` if the email
    /// already signs in to another passport account.
    async fn change_passport_email(
        &self,
        account_id: &str,
        old: Option<&SealedContact>,
        new: &SealedContact,
    ) -> Result<bool>;
    /// The passport account of a phone.
    async fn passport_of(&self, phone_hash: &str) -> Result<Option<String>>;
    /// Records the agreements and activates the account and its credential [REG-4].
    async fn activate(&self, account_id: &str, login_key: &str, agreements: &[Acceptance]) -> Result<()>;
    async fn account(&self, account_id: &str) -> Result<Option<AccountRecord>>;
    async fn change_account(&self, account_id: &str, change: AccountChange) -> Result<()>;
    /// In one transaction: rebinds the phone (only if still `old_hash`) and moves the account
    /// from the old phone's count to the new one's, within the cap [ACC-2, REG-2].
    async fn change_phone(
        &self,
        account_id: &str,
        old_hash: &str,
        new: &SealedContact,
        cap: u32,
    ) -> Result<PhoneChangeOutcome>;
}

// ---- sign-in and sessions -----------------------------------------------------------------

/// What sign-in needs of a login name.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The key of the credential itself (the name signed in with may be an alias of it).
    pub login_key: String,
    pub account_id: String,
    pub password_hash: String,
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
    pub session_id: String,
    pub account_id: String,
    /// The credential (security record) the session signed in with.
    pub login_key: String,
    pub method: &'static str,
    pub user_agent: String,
    pub created_at: DateTime<Utc>,
    pub idle_timeout_secs: i64,
    pub expires_at: DateTime<Utc>,
    pub activation_pending: bool,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub session_id: String,
    pub account_id: String,
    pub login_key: String,
    pub idle_timeout_secs: i64,
    pub step_up_until: Option<DateTime<Utc>>,
    pub activation_pending: bool,
}

/// A live session as its owner sees it in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub session_id: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub method: String,
    pub user_agent: String,
}

#[async_trait]
pub trait SignInStore: Send + Sync {
    /// Reads the credential and both failure windows in one round trip.
    async fn facts(&self, username_key: &str, username_throttle: &str, source_throttle: &str) -> Result<SignInFacts>;
    /// Counts a failure in each window (opening a new window where the old one ended).
    async fn record_failure(&self, throttle_keys: &[&str], now: DateTime<Utc>, window: Duration) -> Result<()>;
    /// The credential a login name stands for (following an alias).
    async fn credential(&self, name_key: &str) -> Result<Option<Credential>>;
    /// One failure window on its own (the second-factor window).
    async fn window(&self, key: &str) -> Result<Option<FailureWindow>>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Creates the session; clears the username's failure window in the same write.
    async fn create(&self, session: &NewSession, clear_throttle: Option<&str>) -> Result<()>;
    /// Marks activity and extends the idle deadline, only if the session is alive at `now`.
    async fn touch(&self, session_id: &str, account_id: &str, now: DateTime<Utc>) -> Result<Option<SessionRecord>>;
    /// Revokes the session at once.
    async fn revoke(&self, session_id: &str, account_id: &str) -> Result<()>;
    /// The account was activated: the session may now do everything [REG-4].
    async fn clear_activation(&self, session_id: &str, account_id: &str) -> Result<()>;
    /// Records a passed second factor on the session until `until` [MFA-2].
    async fn grant_step_up(&self, session_id: &str, account_id: &str, until: DateTime<Utc>) -> Result<()>;
    /// The account's sessions alive at `now`, newest first.
    async fn list(&self, account_id: &str, now: DateTime<Utc>) -> Result<Vec<SessionInfo>>;
    /// Revokes every session of the account but `keep`; returns how many.
    async fn revoke_others(&self, account_id: &str, keep: Option<&str>) -> Result<usize>;
}

// ---- security record (the credential item) ------------------------------------------------

#[derive(Debug, Clone)]
pub struct SecurityRecord {
    pub account_id: String,
    pub password_hash: String,
    pub login_protection: bool,
    pub operation_protection: bool,
    pub idle_timeout_secs: i64,
    pub totp_secret_encrypted: Option<String>,
    pub totp_last_step: Option<i64>,
    pub recovery_codes_left: usize,
}

/// One change to a security record, applied with a condition that makes it safe under races.
#[derive(Debug, Clone)]
pub enum SecurityChange {
    Password {
        hash: String,
    },
    Protection {
        login: bool,
        operation: bool,
    },
    IdleTimeout {
        secs: i64,
    },
    /// Only if no TOTP is bound yet.
    BindTotp {
        secret_encrypted: String,
        step: i64,
        recovery_code_hashes: Vec<String>,
    },
    UnbindTotp,
    /// Only if `step` is later than the last accepted step [MFA-6].
    UseTotpStep {
        step: i64,
    },
    /// Only if the code is still unused.
    UseRecoveryCode {
        hash: String,
    },
    ReplaceRecoveryCodes {
        hashes: Vec<String>,
    },
}

#[async_trait]
pub trait SecurityStore: Send + Sync {
    async fn security(&self, login_key: &str) -> Result<Option<SecurityRecord>>;
    /// Applies the change to the account's record; `false` when its condition does not hold.
    async fn change_security(&self, login_key: &str, account_id: &str, change: SecurityChange) -> Result<bool>;
}

// ---- short-lived flows ----------------------------------------------------------------------

/// A stored flow: its body (typed by the use case), failed attempts and expiry.
#[derive(Debug, Clone)]
pub struct StoredFlow {
    pub body: serde_json::Value,
    pub attempts: u32,
    pub expires_at: DateTime<Utc>,
    /// Bumped by every `update_flow`: transitions are conditional on it.
    pub version: u32,
}

#[async_trait]
pub trait FlowStore: Send + Sync {
    async fn put_flow(&self, key: &str, body: serde_json::Value, expires_at: DateTime<Utc>) -> Result<()>;
    async fn flow(&self, key: &str) -> Result<Option<StoredFlow>>;
    /// Counts a failed attempt while fewer than `max`; the new count, or `None` if exhausted or gone.
    async fn count_flow_failure(&self, key: &str, max: u32) -> Result<Option<u32>>;
    /// Ends the flow if it is alive at `now` with tries left: `true` for exactly one caller.
    async fn take_flow(&self, key: &str, now: DateTime<Utc>, max: u32) -> Result<bool>;
    /// Replaces the body if the flow is still at `version`: `false` if another write came first.
    async fn update_flow(&self, key: &str, body: serde_json::Value, version: u32) -> Result<bool>;
}

// ---- outside parties ----------------------------------------------------------------------

#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send(&self, phone_e164: &str, text: &str) -> Result<()>;
}

#[async_trait]
pub trait EmailSender: Send + Sync {
    async fn send(&self, to: &str, subject: &str, text: &str) -> Result<()>;
}

/// A face-check session the provider opened: the mobile app scans `qr_payload`.
#[derive(Debug, Clone)]
pub struct FaceSession {
    pub provider_session_id: String,
    pub qr_payload: String,
}

#[async_trait]
pub trait FaceCheck: Send + Sync {
    /// Opens a session for the person; the result arrives later by a signed callback.
    async fn start(&self, reference: &str, name: &str, id_number: &str) -> Result<FaceSession>;
    /// Whether a callback body carries the provider's signature.
    fn callback_is_authentic(&self, body: &[u8], signature: &str) -> bool;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BankCardResult {
    /// The bank confirms name, ID number, card number and phone belong together.
    Match,
    Mismatch,
}

#[async_trait]
pub trait BankCardCheck: Send + Sync {
    /// The four-element check; a provider that does not answer is `ProviderUnavailable`.
    async fn check(&self, name: &str, id_number: &str, card_number: &str, phone: &str) -> Result<BankCardResult>;
}

// ---- real-name verification -------------------------------------------------------------------

/// A person proven to own the account, as stored (personal data encrypted and masked).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct PersonalIdentity {
    pub method: String,
    pub name_encrypted: String,
    pub name_masked: String,
    pub document_type: String,
    pub id_number_encrypted: String,
    pub id_number_masked: String,
    pub document_hash: String,
    pub verified_at: DateTime<Utc>,
}

/// A face session as stored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FaceSessionRecord {
    pub verification_id: String,
    pub account_id: String,
    pub state: crate::domain::kyc::FaceState,
    pub expires_at: DateTime<Utc>,
    pub provider_session_id: String,
    pub identity: PersonalIdentity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOutcome {
    Verified,
    DocumentLimitReached,
    AlreadyVerified,
    /// The face session was no longer pending and unexpired.
    SessionEnded,
}

/// Student status as stored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct StudentRecord {
    pub school: String,
    pub major: String,
    pub level: String,
    pub expected_graduation: String,
    pub email_masked: String,
    pub email_encrypted: String,
    pub agreements: Vec<Acceptance>,
    pub verified_at: DateTime<Utc>,
}

#[async_trait]
pub trait KycStore: Send + Sync {
    /// Accounts verified with the document so far.
    async fn document_accounts(&self, document_hash: &str) -> Result<u32>;
    /// Counts a bank-card attempt while fewer than `max`: the new count, or `None` when used up.
    async fn count_bank_card_attempt(&self, account_id: &str, max: u32) -> Result<Option<u32>>;
    /// In one transaction: counts the account against the document's cap, marks the account
    /// personally verified (only if unverified) and, for a face check, ends its pending session.
    async fn verify_personal(
        &self,
        account_id: &str,
        identity: &PersonalIdentity,
        document_cap: u32,
        face_session: Option<(&str, DateTime<Utc>)>,
    ) -> Result<VerifyOutcome>;
    async fn create_face_session(&self, session: &FaceSessionRecord) -> Result<()>;
    async fn face_session(&self, verification_id: &str) -> Result<Option<FaceSessionRecord>>;
    /// Pending -> failed, only if pending: `false` otherwise.
    async fn fail_face_session(&self, verification_id: &str) -> Result<bool>;
    /// The accounts the document verified [REC-3].
    async fn accounts_of_document(&self, document_hash: &str) -> Result<Vec<String>>;
    /// Records student status, only on a personally verified account.
    async fn set_student(&self, account_id: &str, student: &StudentRecord) -> Result<bool>;
}

/// What another product of the platform owns: servers (by IP), domains, ICP filings [REC-3].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    ServerIp,
    Domain,
    IcpFiling,
}

#[async_trait]
pub trait ResourceDirectory: Send + Sync {
    /// The accounts that own the resource (other products own that data).
    async fn owners(&self, kind: ResourceKind, value: &str) -> Result<Vec<String>>;
}
