//! Account deletion [DEL-2, DEL-3]: the one transaction that deletes, and the erasure of what
//! remains.

use super::AccountRecord;
use crate::domain::deletion::{AccountDeletion, Erasure};
use crate::domain::flow::Versioned;
use crate::domain::ids::{AccountId, FlowId};
use crate::domain::login::CredentialRef;
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// What the deletion's transaction writes.
#[derive(Debug)]
pub struct Deletion<'a> {
    /// The confirmation, moved on from the version read (single use).
    pub confirmation: (&'a Versioned<AccountDeletion>, &'a AccountDeletion),
    /// The account as read for the check: the transaction holds only if its balance is still
    /// what the check saw.
    pub account: &'a AccountRecord,
    pub credential: &'a CredentialRef,
    /// The erasure's record (its id: the confirmation's).
    pub erasure_id: &'a FlowId,
    pub erasure: &'a Erasure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    /// The confirmation was used meanwhile.
    ConfirmationUsed,
    /// The account was deleted meanwhile.
    AlreadyDeleted,
    /// The account changed since the check (its balance moved): check again.
    Changed,
}

#[async_trait]
pub trait DeletionStore: Send + Sync {
    /// In one transaction [DEL-3]: the confirmation used; a cloud account's item deleted and its
    /// credential left as a tombstone (the username stays taken, signs in to nothing), a passport
    /// account's cloud data removed and its activation undone; every session ended (the
    /// session generation moves on); the phone's and the document's counts released; the
    /// erasure recorded.
    async fn delete(&self, deletion: &Deletion<'_>) -> Result<DeleteOutcome>;
    /// Ends the sessions of a deleted main account's sub-users at once (each one's session
    /// generation moves on) [LOGIN-5]; their erasure follows with the account's.
    async fn end_sub_user_sessions(&self, main: &AccountId) -> Result<()>;
    /// The account's review cases created up to `until` (their files are kept under them).
    async fn cases_of_deleted(&self, account: &AccountId, until: DateTime<Utc>) -> Result<Vec<FlowId>>;
    /// Erases what the transaction left of the account (created up to `until`): its sessions,
    /// the flows listed under it and their audit trails, attempt counters, open-work guards,
    /// failure windows, the receiving account and the credited transfers. Every step may run
    /// again. How many items it deleted.
    async fn erase_remains(&self, erasure: &Erasure) -> Result<u32>;
    /// Records the erasure done (from the version read) and, for a passport account, lets it
    /// activate the cloud again, in one transaction: `false` when another run finished it first.
    async fn finish(&self, current: &Versioned<Erasure>, next: &Erasure) -> Result<bool>;
}
