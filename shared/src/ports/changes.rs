//! Subject changes [CHG-1..CHG-5]: the transactions that open one (one open per account) and
//! complete one with the account's new subject, the document counters and the 30-day rule.

use crate::domain::case::Case;
use crate::domain::change::SubjectChange;
use crate::domain::enterprise::Uscc;
use crate::domain::flow::Versioned;
use crate::domain::ids::{AccountId, FlowId};
use crate::domain::kyc::{FaceVerification, PersonalIdentity};
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOutcome {
    Applied,
    /// The change (or its face session) moved since it was read.
    Stale,
    /// A change completed less than 30 days ago.
    TooSoon,
    /// The new person's document already verifies 5 accounts.
    DocumentLimitReached,
    /// The account's subject is no longer the one the change started from.
    AccountChanged,
    /// Another change is open.
    AlreadyOpen,
}

/// The new person of a person change, and how they passed.
pub struct NewPerson<'a> {
    pub identity: &'a PersonalIdentity,
    pub face: Option<(&'a Versioned<FaceVerification>, &'a FaceVerification)>,
}

#[async_trait]
pub trait ChangeStore: Send + Sync {
    /// The change the account's guard names (open, or left from one that ended).
    async fn change_guard(&self, account: &AccountId) -> Result<Option<FlowId>>;
    /// Stores a new change as the account's open one, with its review case if it has one; the
    /// guard may replace one that names `stale` (a change that has ended).
    async fn open_change(
        &self,
        id: &FlowId,
        change: &SubjectChange,
        stale: Option<&FlowId>,
        case: Option<(&FlowId, &Case)>,
    ) -> Result<ChangeOutcome>;
    /// Moves a change on with its review case opened, all or nothing.
    async fn change_to_review(
        &self,
        current: &Versioned<SubjectChange>,
        next: &SubjectChange,
        case: (&FlowId, &Case),
    ) -> Result<bool>;
    /// CHG-5: the account names the new person (only if it still names the old one and no change
    /// completed in 30 days), the new document is counted (within `cap`), the old one's slot
    /// released, the change completed — one transaction.
    async fn complete_person_change(
        &self,
        current: &Versioned<SubjectChange>,
        next: &SubjectChange,
        old_document_hash: &str,
        new: NewPerson<'_>,
        cap: u32,
        now: DateTime<Utc>,
    ) -> Result<ChangeOutcome>;
    /// An account's changes, newest first (the history).
    async fn changes_of(&self, account: &AccountId, limit: i32) -> Result<Vec<Versioned<SubjectChange>>>;
    /// CHG-2, confirmed by the registry: the change stored completed with the organisation's new
    /// name (only if its code is still `uscc` and no change completed in 30 days).
    async fn complete_name_change(
        &self,
        id: &FlowId,
        change: &SubjectChange,
        stale: Option<&FlowId>,
        uscc: &Uscc,
        new_name: &str,
        now: DateTime<Utc>,
    ) -> Result<ChangeOutcome>;
}
