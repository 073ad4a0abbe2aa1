//! The asynchronous half: uploaded material (S3), the review queue that reviewers claim from and
//! the expiry queue the sweeper feeds (SQS), review cases and the staff audit trail (DynamoDB),
//! and the staff directory reviewers sign in with (Cognito).

use crate::domain::account::SealedContact;
use crate::domain::case::Case;
use crate::domain::flow::{FlowKind, Versioned};
use crate::domain::ids::{AccountId, FlowId};
use crate::domain::kyc::PersonalIdentity;
use crate::domain::login::CredentialRef;
use crate::domain::redacted::Redacted;
use crate::error::Result;
use crate::ports::{Page, PageRequest};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A presigned request a browser sends itself: method, URL and the headers it must carry.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PresignedRequest {
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
}

/// An object's first bytes with its size and version, from one ranged read: the checks and the
/// copy name this version (`etag`), so a file replaced after its check is never kept.
#[derive(Debug, Clone)]
pub struct FirstBytes {
    pub size: u64,
    pub etag: String,
    pub bytes: Vec<u8>,
}

/// Presigned links to the uploads bucket: browsers upload and reviewers view the material
/// through them, never through a function. Signing is local (no request is sent).
#[async_trait]
pub trait UploadLinks: Send + Sync {
    /// A presigned PUT for `object`, signed with its content type and length.
    async fn presign_put(
        &self,
        object: &str,
        content_type: &str,
        length: u64,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<PresignedRequest>;
    /// A presigned GET of `object` (a reviewer's view of the material).
    async fn presign_get(&self, object: &str, now: DateTime<Utc>, ttl: Duration) -> Result<String>;
}

/// The uploaded material in the bucket ([`crate::domain::upload::waiting_object`] and
/// [`crate::domain::upload::case_object`] name the objects): checked, then kept with a case.
#[async_trait]
pub trait UploadStore: Send + Sync {
    /// The object's first `n` bytes (fewer if it is shorter), its whole size and its entity tag,
    /// if it exists.
    async fn first_bytes(&self, object: &str, n: u64) -> Result<Option<FirstBytes>>;
    /// Copies the object, if it is still the version `etag` names (false: it changed).
    async fn copy(&self, from: &str, to: &str, etag: &str) -> Result<bool>;
}

/// Erasure of an account's files.
#[async_trait]
pub trait UploadErasure: Send + Sync {
    /// Deletes the account's waiting uploads and the files of its cases [DEL-3]: how many files.
    async fn erase(&self, account: &AccountId, cases: &[FlowId]) -> Result<u32>;
}

/// A message received from the review queue: the claim on its case while its lease lasts.
#[derive(Debug, Clone)]
pub struct Received {
    pub message_id: String,
    /// The receipt handle: extends the lease and removes the message once decided.
    pub receipt: String,
    pub case_id: FlowId,
}

#[async_trait]
pub trait ReviewQueue: Send + Sync {
    async fn send(&self, case: &FlowId) -> Result<()>;
    /// The next message, invisible to others for `lease` (none waiting: `None`).
    async fn receive(&self, lease: Duration) -> Result<Option<Received>>;
    /// Extends the lease to `lease` from now; false when the receipt is no longer valid.
    async fn extend(&self, receipt: &str, lease: Duration) -> Result<bool>;
    /// Removes a message (its case is decided, withdrawn, or the message is a spare dispatch).
    async fn remove(&self, receipt: &str) -> Result<()>;
}

/// A flow the sweeper found due, for the expiry worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueFlow {
    pub kind: FlowKind,
    pub id: FlowId,
}

#[async_trait]
pub trait ExpiryQueue: Send + Sync {
    async fn send_all(&self, due: &[DueFlow]) -> Result<()>;
}

/// Recovery starts, for the recovery worker to resolve after the answer [REC-4].
#[async_trait]
pub trait RecoveryQueue: Send + Sync {
    async fn resolve_later(&self, start: &DueFlow) -> Result<()>;
}

/// What approving a case changes, in the same transaction as the decision.
#[derive(Debug, Clone)]
pub enum CaseEffect {
    /// Rebind a cloud account's phone from `old_hash` to `new`, within the phone's account cap
    /// [ACC-4, REG-2].
    RebindPhone { account: AccountId, old_hash: String, new: SealedContact, cap: u32 },
    /// Rebind a passport account's phone: the new phone's 5 bound passport accounts, and its
    /// sign-in as the appeal's approval read it [ACC-4, REG-3].
    RebindPassportPhone { account: AccountId, old_hash: String, new: SealedContact, how: super::PassportRebind },
    /// Remove the virtual MFA device (only if it is still `device`, its sealed secret) and its
    /// recovery codes [MFA-5].
    UnbindTotp { credential: CredentialRef, device: String },
    /// Verify the person, within the document's account cap [KYC-P7, KYC-P4].
    VerifyPerson { account: AccountId, identity: PersonalIdentity, cap: u32 },
    /// Rename the organisation (only if its code is still `uscc` and no change completed in the
    /// 30 days before `now`) [CHG-2].
    RenameEnterprise { account: AccountId, uscc: crate::domain::enterprise::Uscc, new_name: String, now: DateTime<Utc> },
    /// The account's subject gives way to the organisation, completing the change [CHG-3, CHG-4].
    Replace {
        account: AccountId,
        identity: crate::domain::enterprise::EnterpriseIdentity,
        replaced: super::Replaced,
        change: Box<(Versioned<crate::domain::change::SubjectChange>, crate::domain::change::SubjectChange)>,
    },
    /// Verify the organisation (only if the account is still unverified) [KYC-E4, KYC-E5].
    VerifyEnterprise { account: AccountId, identity: crate::domain::enterprise::EnterpriseIdentity },
}

/// The application or change a case decides, moved to its end (or, for an approved change of
/// organisation, on to the new subject) in the same transaction as the case [LIFE-1].
#[derive(Debug, Clone)]
pub enum Decides {
    Application(
        Box<(
            Versioned<crate::domain::enterprise::application::EnterpriseApplication>,
            crate::domain::enterprise::application::EnterpriseApplication,
        )>,
    ),
    Change(Box<(Versioned<crate::domain::change::SubjectChange>, crate::domain::change::SubjectChange)>),
}

/// How a decision's transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionOutcome {
    Applied,
    /// The case changed since it was read (another decision or claim came first).
    Stale,
    /// The effect's condition failed: the cap is reached, or the account changed meanwhile.
    EffectRefused,
}

/// One staff action, kept for audit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub staff: String,
    pub action: String,
    pub case_id: FlowId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Stores a new case with the guard of its kind for its account: false when the account
    /// already has an open case of that kind (nothing is written).
    async fn open(&self, id: &FlowId, case: &Case) -> Result<bool>;
    /// Writes a transition that closes the case without a decision (withdrawal), removing its
    /// guard, with the flow it decides (false: the case or that flow changed).
    async fn close(&self, current: &Versioned<Case>, next: &Case, decides: Option<&Decides>) -> Result<bool>;
    /// Writes the decision with its effect, the flow it decides and its audit entry, all or
    /// nothing.
    async fn decide(
        &self,
        current: &Versioned<Case>,
        next: &Case,
        audit: &AuditEntry,
        effect: Option<&CaseEffect>,
        decides: Option<&Decides>,
    ) -> Result<DecisionOutcome>;
    /// Writes a transition with its audit entry, all or nothing (false: the case changed).
    async fn transition_audited(&self, current: &Versioned<Case>, next: &Case, audit: &AuditEntry) -> Result<bool>;
    async fn audit(&self, entry: &AuditEntry) -> Result<()>;
    async fn audit_trail(&self, case: &FlowId) -> Result<Vec<AuditEntry>>;
    /// An account's cases, newest first, a page at a time.
    async fn cases_of(&self, account: &AccountId, page: &PageRequest) -> Result<Page<Versioned<Case>>>;
    /// Open cases by due time, soonest first, a page at a time.
    async fn open_cases(&self, page: &PageRequest) -> Result<Page<Versioned<Case>>>;
    /// The cases decided (approved or rejected) on `day` (UTC), earliest first, at most `limit`.
    async fn decided_on(&self, day: chrono::NaiveDate, limit: usize) -> Result<Vec<Versioned<Case>>>;
}

/// Flows whose sweep deadline has passed, through the deadline index (never a scan).
#[async_trait]
pub trait DeadlineIndex: Send + Sync {
    async fn due(&self, kind: FlowKind, now: DateTime<Utc>, limit: i32) -> Result<Vec<FlowId>>;
}

/// A reviewer's sign-in: the password, then the virtual MFA code (staff always have one). A new
/// staff user's first sign-in (with the invitation's temporary password) first chooses a password,
/// then sets up the authenticator.
#[derive(Debug, Clone)]
pub enum StaffSignIn {
    SecondFactor {
        session: String,
    },
    NewPasswordRequired {
        session: String,
    },
    /// No authenticator yet: its secret (the directory's, base32) is shown, and its first code
    /// finishes the sign-in.
    MfaSetup {
        session: String,
        secret_base32: Redacted<String>,
    },
    Refused,
}

#[derive(Clone)]
pub struct StaffTokens {
    pub access_token: String,
    pub expires_in: i64,
}

/// Without the token.
impl std::fmt::Debug for StaffTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffTokens").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

#[async_trait]
pub trait StaffDirectory: Send + Sync {
    async fn sign_in(&self, username: &str, password: &str) -> Result<StaffSignIn>;
    /// The tokens, or `None` when the code (or the session) is refused.
    async fn second_factor(&self, username: &str, session: &str, code: &str) -> Result<Option<StaffTokens>>;
    /// The first sign-in's new password: the next step ([`StaffSignIn::MfaSetup`] for a user
    /// without an authenticator), or `Err(StaffPasswordRejected)` when the pool's policy refuses it.
    async fn new_password(&self, username: &str, session: &str, new_password: &str) -> Result<StaffSignIn>;
    /// The authenticator's first code: the tokens, or `None` when the code (or the session) is refused.
    async fn finish_mfa_setup(&self, username: &str, session: &str, code: &str) -> Result<Option<StaffTokens>>;
}
