//! Real-name verification records and their caps.

use crate::domain::agreements::Acceptance;
use crate::domain::flow::Versioned;
use crate::domain::ids::AccountId;
use crate::domain::kyc::FaceVerification;
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use crate::domain::kyc::PersonalIdentity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOutcome {
    Verified,
    DocumentLimitReached,
    AlreadyVerified,
    /// The face session was no longer at the version read.
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
    /// Gives back the attempt of a check the provider confirmed it never made, at most once per
    /// idempotency key (one conditional write); `false` when there is nothing to give back.
    async fn refund_bank_card_attempt(&self, account_id: &AccountId, idempotency_key: &str) -> Result<bool>;
    /// In one transaction: counts the account against the document's cap, marks the account
    /// personally verified (only if unverified) and, for a face check, moves its session from the
    /// version read to `next` (so a session passes at most once).
    async fn verify_personal(
        &self,
        account_id: &AccountId,
        identity: &PersonalIdentity,
        document_cap: u32,
        face_session: Option<(&Versioned<FaceVerification>, &FaceVerification)>,
    ) -> Result<VerifyOutcome>;
    /// The accounts the document verified [REC-3].
    async fn accounts_of_document(&self, document_hash: &str) -> Result<Vec<AccountId>>;
    /// Records student status, only on a personally verified account.
    async fn set_student(&self, account_id: &AccountId, student: &StudentRecord) -> Result<bool>;
}
