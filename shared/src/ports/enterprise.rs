//! Enterprise verification [KYC-E1..KYC-E7]: the outside parties (the business registry, the
//! payout provider of the corporate transfer, the bank of the receiving accounts, the risk rules)
//! and the store of applications, attempt counters, receiving accounts and the balance's ledger.

use crate::domain::case::Case;
use crate::domain::change::SubjectChange;
use crate::domain::enterprise::application::EnterpriseApplication;
use crate::domain::enterprise::banks::Bank;
use crate::domain::enterprise::money::Fen;
use crate::domain::enterprise::{EnterpriseIdentity, Method, OrgType, Uscc};
use crate::domain::flow::Versioned;
use crate::domain::ids::{AccountId, FlowId};
use crate::domain::kyc::FaceVerification;
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A payout callback's body: the provider's word (signed: `X-Signature`) on a payout [KYC-E5].
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PayoutCallback {
    pub payout_id: FlowId,
    /// `arrived` or `failed`.
    pub status: String,
    /// Why it failed: `bank_name`, `name_mismatch` or `account_unsupported`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// An inbound transfer notification's body: the receiving bank's word (signed: `X-Signature`),
/// idempotent by `transfer_id` [KYC-E6].
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InboundTransfer {
    pub transfer_id: String,
    /// The receiving account the money was sent to.
    pub receiving_account: String,
    /// CNY, e.g. `0.37`.
    pub amount: String,
    pub payer_name: String,
    pub at: DateTime<Utc>,
}

/// What the business registry knows of an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRecord {
    pub name: String,
    pub registered_on: NaiveDate,
    /// The types the registry files it under (empty: it does not say).
    pub types: Vec<OrgType>,
    /// Whether it holds a third-party payment licence (no corporate transfer then) [KYC-E5].
    pub payment_licence: bool,
}

#[async_trait]
pub trait BusinessRegistry: Send + Sync {
    /// The registered organisation with this code and this name (a two-element check), if any.
    async fn lookup(&self, uscc: &Uscc, name: &str) -> Result<Option<RegistryRecord>>;
}

/// A micro-deposit to pay; `id` is the idempotency key (the application's id): the provider
/// pays at most once per id, however often it is asked.
#[derive(Debug, Clone, Copy)]
pub struct Payout<'a> {
    pub id: &'a FlowId,
    pub bank: &'a Bank,
    pub account_number: &'a str,
    pub account_name: &'a str,
    pub amount: Fen,
}

#[async_trait]
pub trait PayoutProvider: Send + Sync {
    /// Asks for the payout; its outcome comes later by a signed callback.
    async fn pay(&self, payout: Payout<'_>) -> Result<()>;
    fn callback_is_authentic(&self, body: &[u8], signature: &str) -> bool;
}

/// The bank that holds the receiving accounts and notifies inbound transfers.
pub trait InboundBank: Send + Sync {
    fn notification_is_authentic(&self, body: &[u8], signature: &str) -> bool;
}

#[async_trait]
pub trait RiskRules: Send + Sync {
    /// Whether a corporate transfer with the right amount must still be reviewed by a person.
    async fn transfer_hits(&self, account: &AccountId, uscc: &Uscc, account_number: &str) -> Result<bool>;
}

/// An account's dedicated receiving account (recharge) [KYC-E6]: the number sealed, and the one
/// recharge application it waits for, until when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReceivingAccount {
    pub number_encrypted: String,
    pub number_masked: String,
    pub number_hash: String,
    /// The recharge application it waits for, and until when (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_application: Option<FlowId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_until: Option<i64>,
}

impl ReceivingAccount {
    /// Whether a recharge application still waits for its transfer at `now`.
    pub fn waits(&self, now: DateTime<Utc>) -> bool {
        self.open_application.is_some() && self.open_until.is_some_and(|until| until > now.timestamp())
    }
}

/// The subject a change replaces: a person (whose document's slot is given back) or an
/// organisation (by its code).
#[derive(Debug, Clone)]
pub enum Replaced {
    Person { document_hash: String },
    Enterprise { uscc: Uscc },
}

/// What a settled application changes with it, in one transaction.
#[derive(Debug, Clone)]
pub enum EnterpriseEffect {
    /// Mark the account enterprise-verified (only if it is still unverified).
    Verify(EnterpriseIdentity),
    /// The account's subject gives way to the organisation (only if the account still names it),
    /// and the change completes [CHG-3, CHG-4].
    Replace { identity: EnterpriseIdentity, replaced: Replaced, change: Box<(Versioned<SubjectChange>, SubjectChange)> },
    /// Open the review case (with its guard).
    OpenCase(FlowId, Box<Case>),
    /// Move the face session on (a session passes at most once).
    Face(Box<Versioned<FaceVerification>>, Box<FaceVerification>),
    /// Credit an inbound transfer to the balance, once per transfer id (the amount is sealed in
    /// the ledger entry).
    Credit { transfer_id: String, amount: Fen, amount_encrypted: String, at: DateTime<Utc> },
    /// The recharge the receiving account waited for is over.
    CloseRecharge(FlowId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleOutcome {
    Applied,
    /// The application (or the face session) changed since it was read.
    Stale,
    /// The account is already verified.
    AlreadyVerified,
    /// The transfer was credited before (a repeated notification).
    Duplicate,
    /// A review case of the kind is already open.
    CaseOpen,
}

#[async_trait]
pub trait EnterpriseStore: Send + Sync {
    /// Attempts made so far per method.
    async fn attempts(&self, account: &AccountId) -> Result<BTreeMap<Method, u32>>;
    /// Counts an attempt of `method` while fewer than `max`: the new count, or `None` when used up.
    async fn count_attempt(&self, account: &AccountId, method: Method, max: u32) -> Result<Option<u32>>;
    /// The corporate transfer application the account's guard names (open, or the last one).
    async fn transfer_guard(&self, account: &AccountId) -> Result<Option<FlowId>>;
    /// Creates a corporate transfer application with the account's guard naming it, if the guard
    /// still names `replacing` (an application that ended; `None`: no guard yet). `false`: another
    /// start took the guard first.
    async fn open_transfer(
        &self,
        id: &FlowId,
        application: &EnterpriseApplication,
        replacing: Option<&FlowId>,
    ) -> Result<bool>;
    /// Gives back one attempt of `method` (a start that changed nothing else).
    async fn give_back_attempt(&self, account: &AccountId, method: Method) -> Result<()>;
    /// Writes the application's transition (conditional on its version; none: only the effects)
    /// with its effects, all or nothing.
    async fn settle(
        &self,
        account: &AccountId,
        transition: Option<(&Versioned<EnterpriseApplication>, &EnterpriseApplication)>,
        effects: &[EnterpriseEffect],
    ) -> Result<SettleOutcome>;
    /// An account's applications, newest first.
    async fn applications_of(&self, account: &AccountId, limit: i32) -> Result<Vec<Versioned<EnterpriseApplication>>>;
    async fn receiving_account(&self, account: &AccountId) -> Result<Option<ReceivingAccount>>;
    /// Creates the account's receiving account (false: it has one, or the number is taken).
    async fn create_receiving_account(&self, account: &AccountId, receiving: &ReceivingAccount) -> Result<bool>;
    /// The account a receiving account number (by keyed hash) belongs to, and the recharge it
    /// waits for.
    async fn receiving_account_owner(&self, number_hash: &str) -> Result<Option<(AccountId, Option<FlowId>)>>;
    /// Creates an application, counted as new work of its live account [DEL-1].
    async fn create_application(&self, id: &FlowId, application: &EnterpriseApplication) -> Result<()>;
    /// Creates a recharge application and makes it the one its receiving account waits for,
    /// unless another waits and is not over yet (`false`, nothing written).
    async fn open_recharge(&self, id: &FlowId, application: &EnterpriseApplication, now: DateTime<Utc>)
        -> Result<bool>;
}
