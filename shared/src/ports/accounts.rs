//! Accounts: cloud and passport accounts, their phone and email, activation.

use super::codes::CodeProof;
use super::kyc::{PersonalIdentity, StudentRecord};
use crate::domain::account::{AccountKind, Profile};
use crate::domain::agreements::Acceptance;
use crate::domain::ids::AccountId;
use crate::domain::login::CredentialRef;
use crate::domain::redacted::Redacted;
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
pub struct NewCloudAccount {
    pub account_id: AccountId,
    pub username: String,
    pub username_key: String,
    pub password_hash: Redacted<String>,
    pub phone: SealedContact,
    pub created_at: DateTime<Utc>,
    pub agreements: Vec<Acceptance>,
    pub idle_timeout_secs: i64,
    /// Imported or registered before 2022-09-07: must be activated on first sign-in [REG-4].
    pub legacy: bool,
}

/// A passport account (one registered per phone, platform-wide) [REG-3].
#[derive(Debug, Clone)]
pub struct NewPassportAccount {
    pub account_id: AccountId,
    /// The platform username, if the account has one.
    pub username: Option<String>,
    pub phone: SealedContact,
    pub email: Option<SealedContact>,
    /// Empty until a password is set.
    pub password_hash: Redacted<String>,
    pub created_at: DateTime<Utc>,
    pub agreements: Vec<Acceptance>,
    pub activated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassportOutcome {
    Created,
    /// The phone already has a passport account (this one).
    Exists {
        account_id: AccountId,
    },
    /// The phone is already bound to the maximum number of passport accounts.
    PhoneLimitReached,
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
    pub account_id: AccountId,
    pub username: String,
    pub created_at: DateTime<Utc>,
    pub agreements: Vec<Acceptance>,
    pub phone: SealedContact,
    pub personal: Option<PersonalIdentity>,
    /// The verified organisation [KYC-E7].
    pub enterprise: Option<crate::domain::enterprise::EnterpriseIdentity>,
    /// The balance in fen [KYC-E6].
    pub balance_fen: u64,
    /// When the last subject change completed [CHG-2, CHG-5].
    pub last_change_at: Option<DateTime<Utc>>,
    /// Pieces of work ever opened (cases, applications, changes) [DEL-1].
    pub work_started: u64,
    pub student: Option<StudentRecord>,
    pub kind: AccountKind,
    pub activated: bool,
    pub email: Option<SealedContact>,
    pub profile: Profile,
    /// Products whose SMS notifications are turned off [ACC-5].
    pub sms_off: BTreeSet<String>,
    /// The ids of the credited transfers' ledger entries [KYC-E6, DEL-3].
    pub ledger_entries: Vec<String>,
}

impl AccountRecord {
    /// The credential this account signs in with.
    pub fn credential(&self, username_key: &str) -> CredentialRef {
        match self.kind {
            AccountKind::Passport => CredentialRef::Passport(self.account_id.clone()),
            AccountKind::Cloud => CredentialRef::Cloud(username_key.to_owned()),
        }
    }
}

pub use crate::domain::account::SealedContact;

#[derive(Debug, Clone)]
pub enum AccountChange {
    Email(SealedContact),
    Profile(Profile),
    SmsOff(BTreeSet<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneChangeOutcome {
    Changed,
    /// The new phone is already bound to the maximum number of accounts of this kind.
    PhoneLimitReached,
    /// The bound phone changed meanwhile.
    Stale,
    /// The account the new phone signs in to changed meanwhile (passport): read it again.
    Raced,
}

/// How a passport account's phone change moves the phones' sign-in [REG-3]: a phone signs in
/// (by SMS, or as a sign-in name) to one passport account, the one it registered or else the
/// first bound to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassportRebind {
    /// The old phone signs in to this account: that ends (the phone may register a new one).
    pub leaves_sign_in: bool,
    /// The new phone signs in to no account: it will sign in to this one.
    pub takes_sign_in: bool,
    /// Passport accounts a phone may be bound to.
    pub cap: u32,
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
    /// In one transaction: (consumes the code,) claims the phone's one registered passport
    /// account [REG-3], counts it against the phone's `cap` of bound passport accounts, creates
    /// the account, its credential and the phone (and email) sign-in aliases.
    async fn create_passport(
        &self,
        account: &NewPassportAccount,
        proof: Option<&CodeProof>,
        cap: u32,
    ) -> Result<PassportOutcome>;
    /// Every account bound to the phone (cloud and passport accounts) [REC-3].
    async fn accounts_of_phone(&self, phone_hash: &str) -> Result<Vec<AccountId>>;
    /// A passport account's phone, in one transaction [REG-3, ACC-2]: rebinds it (only if still
    /// `old_hash`), moves it from the old phone's count of bound passport accounts to the new
    /// one's (within `how.cap`: else `PhoneLimitReached`), and moves the phones' sign-in as `how`
    /// says (the one-per-phone guard and the phone's sign-in alias). `Raced`: the new phone's
    /// sign-in is no longer as `how` assumed.
    async fn change_passport_phone(
        &self,
        account_id: &AccountId,
        old_hash: &str,
        new: &SealedContact,
        how: PassportRebind,
    ) -> Result<PhoneChangeOutcome>;
    /// A passport account's email: binds it and moves its sign-in alias; `false` if the email
    /// already signs in to another passport account.
    async fn change_passport_email(
        &self,
        account_id: &AccountId,
        old: Option<&SealedContact>,
        new: &SealedContact,
    ) -> Result<bool>;
    /// The passport account of a phone.
    async fn passport_of(&self, phone_hash: &str) -> Result<Option<AccountId>>;
    /// Records the agreements and activates the account and its credential [REG-4].
    async fn activate(
        &self,
        account_id: &AccountId,
        credential: &CredentialRef,
        agreements: &[Acceptance],
    ) -> Result<()>;
    async fn account(&self, account_id: &AccountId) -> Result<Option<AccountRecord>>;
    async fn change_account(&self, account_id: &AccountId, change: AccountChange) -> Result<()>;
    /// In one transaction: rebinds the phone (only if still `old_hash`) and moves the account
    /// from the old phone's count to the new one's, within the cap [ACC-2, REG-2].
    async fn change_phone(
        &self,
        account_id: &AccountId,
        old_hash: &str,
        new: &SealedContact,
        cap: u32,
    ) -> Result<PhoneChangeOutcome>;
}
