use super::codes::consume_update;
use super::tx::Tx;
use super::{fault, keys, n, s, store_fault, DynamoStore};
use crate::domain::account::AccountKind;
use crate::domain::agreements::Acceptance;
use crate::domain::enterprise::EnterpriseIdentity;
use crate::domain::ids::AccountId;
use crate::domain::login::CredentialRef;
use crate::domain::security::ChosenFactors;
use crate::error::Result;
use crate::ports::{
    AccountChange, NewPassportAccount, PassportOutcome, PassportRebind, PhoneChangeOutcome, Profile, SealedContact,
};
use crate::ports::{
    AccountRecord, AccountStore, CodeProof, NewCloudAccount, PersonalIdentity, RegisterOutcome, StudentRecord,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The guards of a cloud account's registration [REG-2].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Register {
    /// The code is right, unused, in time and within its tries (with a proof).
    Code,
    /// The username is free (the credential's key).
    Username,
    /// The account under a fresh id.
    Write,
    /// The phone has fewer cloud accounts than its cap.
    PhoneCap,
}

/// The guards of a cloud account's move to a new phone [ACC-2].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PhoneChange {
    /// The account's phone is still the old one.
    Account,
    /// The new phone has fewer cloud accounts than its cap.
    PhoneCap,
    /// The old phone's count given back (no condition).
    Write,
}

/// The stored account (record version 1). The phone is kept encrypted, as a keyed hash for
/// look-ups and in masked form for display.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct AccountItem {
    pub pk: String,
    pub record_version: u32,
    pub account_id: AccountId,
    pub kind: AccountKind,
    pub username: String,
    pub username_key: String,
    pub phone_hash: String,
    pub phone_encrypted: String,
    pub phone_masked: String,
    pub created_at: DateTime<Utc>,
    pub agreements: Vec<Acceptance>,
    pub activated: bool,
    pub legacy: bool,
    pub verification: VerificationItem,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal: Option<PersonalIdentity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<EnterpriseIdentity>,
    /// The balance in fen (credited by recharges) [KYC-E6].
    #[serde(default)]
    pub balance_fen: u64,
    /// When the last subject change completed (Unix seconds) [CHG-2, CHG-5].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_change_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub student: Option<StudentRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<SealedContact>,
    #[serde(default)]
    pub profile: Profile,
    #[serde(default)]
    pub sms_off: BTreeSet<String>,
    /// The credited transfers' ledger entries (their ids), erased with the account [DEL-3]: a
    /// string set that each credit adds to (never written as a list).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub ledger_entries: BTreeSet<String>,
    /// How many pieces of work (cases, applications, changes) were ever opened: each opening
    /// adds one in its own transaction, and a deletion holds only over the count its check saw
    /// [DEL-1], so the two exclude each other.
    #[serde(default)]
    pub work_started: u64,
}

/// The credential of a login name (record version 1): what sign-in reads, in one item.
/// It outlives a deleted account so the username is never reused [REG-1].
#[derive(Serialize, Deserialize)]
pub(crate) struct CredentialItem {
    pub pk: String,
    pub record_version: u32,
    pub account_id: AccountId,
    pub password_hash: String,
    pub idle_timeout_secs: i64,
    pub status: CredentialStatus,
    #[serde(default)]
    pub login_protection: bool,
    /// Operation protection by SMS is on by default for main accounts [MFA-2].
    #[serde(default = "on")]
    pub operation_protection: bool,
    /// The factors chosen for each protection [MFA-1] (both when never chosen).
    #[serde(default)]
    pub login_factors: ChosenFactors,
    #[serde(default)]
    pub operation_factors: ChosenFactors,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<TotpItem>,
    /// Keyed hashes of the unused recovery codes.
    #[serde(default)]
    pub recovery_codes: BTreeMap<String, bool>,
    /// False for a passport or legacy account until it accepts the agreements [REG-4].
    #[serde(default = "on")]
    pub activated: bool,
    /// The account's session generation, as on its generation item in the sessions table
    /// (both move together): a new session is born in it [LOGIN-7, issue 15].
    #[serde(default)]
    pub session_generation: u64,
    /// A sub-user without console access signs in to nothing (API access only) [LOGIN-5].
    #[serde(default = "on", skip_serializing_if = "is_on")]
    pub console_access: bool,
}

fn is_on(v: &bool) -> bool {
    *v
}

fn on() -> bool {
    true
}

/// Whether the account is real-name verified (conditions in writes compare this attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum VerificationItem {
    Unverified,
    Personal,
    Enterprise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CredentialStatus {
    Active,
    /// The account was deleted: the item keeps its username taken and signs in to nothing [DEL-3].
    Deleted,
    /// A sub-user its main account disabled [LOGIN-5].
    Disabled,
}

/// Without the password hash, the device and the recovery codes' hashes.
impl std::fmt::Debug for CredentialItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialItem")
            .field("account_id", &self.account_id)
            .field("record_version", &self.record_version)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl CredentialItem {
    pub(crate) fn active(&self) -> bool {
        self.status == CredentialStatus::Active && self.console_access
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TotpItem {
    pub secret_encrypted: String,
    pub last_step: i64,
}

/// An account item as its record.
pub(crate) fn account_record(raw: super::Item) -> Result<AccountRecord> {
    let item: AccountItem = serde_dynamo::from_item(raw).map_err(fault("decode account"))?;
    Ok(AccountRecord {
        account_id: item.account_id,
        username: item.username,
        created_at: item.created_at,
        agreements: item.agreements,
        phone: SealedContact { encrypted: item.phone_encrypted, masked: item.phone_masked, hash: item.phone_hash },
        personal: item.personal,
        enterprise: item.enterprise,
        balance_fen: item.balance_fen,
        last_change_at: item.last_change_at.and_then(|t| DateTime::from_timestamp(t, 0)),
        work_started: item.work_started,
        student: item.student,
        kind: item.kind,
        activated: item.activated,
        email: item.email,
        profile: item.profile,
        sms_off: item.sms_off,
        ledger_entries: item.ledger_entries.into_iter().collect(),
    })
}

impl DynamoStore {
    /// Counts a cloud account against its phone's cap [REG-2] and indexes it for look-ups [REC-3].
    pub(crate) fn count_on_phone(&self, phone_hash: &str, account_id: &AccountId, cap: u32) -> Result<Update> {
        Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::phone_accounts(phone_hash)))
            .update_expression("ADD cloud_accounts :one, account_ids :ids")
            .condition_expression("attribute_not_exists(cloud_accounts) OR cloud_accounts < :cap")
            .expression_attribute_values(":ids", AttributeValue::Ss(vec![account_id.to_string()]))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cap", n(cap.into()))
            .build()
            .map_err(fault("build phone counter"))
    }

    /// Takes a cloud account off its old phone's counter.
    pub(crate) fn release_phone(&self, account_id: &AccountId, old_hash: &str) -> Result<Update> {
        Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::phone_accounts(old_hash)))
            .update_expression("ADD cloud_accounts :minus DELETE account_ids :ids")
            .expression_attribute_values(":minus", n(-1))
            .expression_attribute_values(":ids", AttributeValue::Ss(vec![account_id.to_string()]))
            .build()
            .map_err(fault("build old phone counter"))
    }

    /// New work opened for a live account (a case, an application, a change), counted in the
    /// transaction that opens it: refused once the account is deleted, and it moves the count a
    /// deletion's transaction holds over [DEL-1].
    pub(crate) fn start_work(&self, account_id: &AccountId) -> Result<TransactWriteItem> {
        let update = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(account_id)))
            .update_expression("ADD work_started :one")
            .condition_expression("attribute_exists(pk) AND activated = :yes")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .build()
            .map_err(fault("build start work"))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Rebinds an account's phone, only if it is still `old_hash` [ACC-2].
    pub(crate) fn rebind_phone(&self, account_id: &AccountId, old_hash: &str, new: &SealedContact) -> Result<Update> {
        Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(account_id)))
            .update_expression("SET phone_hash = :new_hash, phone_encrypted = :enc, phone_masked = :masked")
            .condition_expression("phone_hash = :old_hash")
            .expression_attribute_values(":new_hash", s(&new.hash))
            .expression_attribute_values(":enc", s(&new.encrypted))
            .expression_attribute_values(":masked", s(&new.masked))
            .expression_attribute_values(":old_hash", s(old_hash))
            .build()
            .map_err(fault("build rebind phone"))
    }
}

#[async_trait]
impl AccountStore for DynamoStore {
    async fn register(
        &self,
        account: &NewCloudAccount,
        proof: Option<&CodeProof>,
        phone_cap: u32,
    ) -> Result<RegisterOutcome> {
        let credential = CredentialItem {
            pk: keys::credential(&CredentialRef::Cloud(account.username_key.clone())),
            record_version: 1,
            account_id: account.account_id.clone(),
            password_hash: account.password_hash.expose().clone(),
            idle_timeout_secs: account.idle_timeout_secs,
            status: CredentialStatus::Active,
            login_protection: false,
            operation_protection: true,
            login_factors: ChosenFactors::default(),
            operation_factors: ChosenFactors::default(),
            totp: None,
            recovery_codes: BTreeMap::new(),
            activated: !account.legacy,
            session_generation: 0,
            console_access: true,
        };
        let item = AccountItem {
            pk: keys::account(&account.account_id),
            record_version: 1,
            account_id: account.account_id.clone(),
            kind: AccountKind::Cloud,
            username: account.username.clone(),
            username_key: account.username_key.clone(),
            phone_hash: account.phone.hash.clone(),
            phone_encrypted: account.phone.encrypted.clone(),
            phone_masked: account.phone.masked.clone(),
            created_at: account.created_at,
            agreements: account.agreements.clone(),
            activated: !account.legacy,
            legacy: account.legacy,
            verification: VerificationItem::Unverified,
            personal: None,
            enterprise: None,
            balance_fen: 0,
            last_change_at: None,
            work_started: 0,
            student: None,
            email: None,
            profile: Profile::default(),
            sms_off: BTreeSet::new(),
            ledger_entries: BTreeSet::new(),
        };
        let put_credential = Put::builder()
            .table_name(&self.tables.accounts)
            .set_item(Some(serde_dynamo::to_item(&credential).map_err(fault("encode credential"))?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build put credential"))?;
        let put_account = Put::builder()
            .table_name(&self.tables.accounts)
            .set_item(Some(serde_dynamo::to_item(&item).map_err(fault("encode account"))?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build put account"))?;
        let count_phone = self.count_on_phone(&account.phone.hash, &account.account_id, phone_cap)?;
        let mut tx = Tx::new();
        if let Some(proof) = proof {
            tx = tx.update(Register::Code, consume_update(&self.tables.flows, proof)?);
        }
        tx = tx
            .put(Register::Username, put_credential)
            .put(Register::Write, put_account)
            .update(Register::PhoneCap, count_phone);
        let Err(cancelled) = self.commit(tx).await? else {
            return Ok(RegisterOutcome::Registered);
        };
        Ok(if cancelled.failed(Register::Code) {
            RegisterOutcome::CodeRejected
        } else if cancelled.failed(Register::Username) {
            RegisterOutcome::UsernameTaken
        } else if cancelled.failed(Register::PhoneCap) {
            RegisterOutcome::PhoneLimitReached
        } else {
            return Err(crate::Error::internal("register", "transaction cancelled without a failed condition"));
        })
    }

    async fn account(&self, account_id: &AccountId) -> Result<Option<AccountRecord>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(account_id)))
            .send()
            .await
            .map_err(store_fault("read account"))?;
        out.item.map(account_record).transpose()
    }

    async fn change_account(&self, account_id: &AccountId, change: AccountChange) -> Result<()> {
        let (expression, value) = match change {
            AccountChange::Email(email) => ("SET email = :v", serde_dynamo::to_attribute_value(email)),
            AccountChange::Profile(profile) => ("SET profile = :v", serde_dynamo::to_attribute_value(profile)),
            AccountChange::SmsOff(products) => ("SET sms_off = :v", serde_dynamo::to_attribute_value(products)),
        };
        self.client
            .update_item()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(account_id)))
            .update_expression(expression)
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":v", value.map_err(fault("encode account change"))?)
            .send()
            .await
            .map_err(store_fault("change account"))?;
        Ok(())
    }

    async fn change_phone(
        &self,
        account_id: &AccountId,
        old_hash: &str,
        new: &SealedContact,
        cap: u32,
    ) -> Result<PhoneChangeOutcome> {
        let rebind = self.rebind_phone(account_id, old_hash, new)?;
        let count_new = self.count_on_phone(&new.hash, account_id, cap)?;
        let release_old = self.release_phone(account_id, old_hash)?;
        let tx = Tx::new()
            .update(PhoneChange::Account, rebind)
            .update(PhoneChange::PhoneCap, count_new)
            .update(PhoneChange::Write, release_old);
        let Err(cancelled) = self.commit(tx).await? else { return Ok(PhoneChangeOutcome::Changed) };
        Ok(if cancelled.failed(PhoneChange::Account) {
            PhoneChangeOutcome::Stale
        } else if cancelled.failed(PhoneChange::PhoneCap) {
            PhoneChangeOutcome::PhoneLimitReached
        } else {
            return Err(crate::Error::internal("change phone", "transaction cancelled without a failed condition"));
        })
    }

    async fn create_passport(
        &self,
        account: &NewPassportAccount,
        proof: Option<&CodeProof>,
        cap: u32,
    ) -> Result<PassportOutcome> {
        self.create_passport_account(account, proof, cap).await
    }

    async fn passport_of(&self, phone_hash: &str) -> Result<Option<AccountId>> {
        self.passport_account_of(phone_hash).await
    }

    async fn activate(
        &self,
        account_id: &AccountId,
        credential: &CredentialRef,
        agreements: &[Acceptance],
    ) -> Result<()> {
        self.activate_account(account_id, credential, agreements).await
    }

    async fn accounts_of_phone(&self, phone_hash: &str) -> Result<Vec<AccountId>> {
        let key = |pk: String| std::collections::HashMap::from([("pk".to_string(), s(pk))]);
        let out = self
            .client
            .batch_get_item()
            .request_items(
                &self.tables.accounts,
                aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                    .keys(key(keys::phone_accounts(phone_hash)))
                    .keys(key(keys::passport_of_phone(phone_hash)))
                    .consistent_read(true)
                    .build()
                    .map_err(fault("build keys"))?,
            )
            .send()
            .await
            .map_err(store_fault("read accounts of phone"))?;
        if out.unprocessed_keys.as_ref().is_some_and(|k| !k.is_empty()) {
            return Err(crate::Error::internal("read accounts of phone", "keys left unprocessed"));
        }
        let mut ids = BTreeSet::new();
        for item in out.responses.unwrap_or_default().into_values().flatten() {
            if let Some(set) = item.get("account_ids").and_then(|v| v.as_ss().ok()) {
                ids.extend(set.iter().cloned());
            }
            if let Some(id) = super::get_s(&item, "account_id") {
                ids.insert(id.to_owned());
            }
        }
        Ok(ids.into_iter().map(AccountId::from_raw).collect())
    }

    async fn change_passport_phone(
        &self,
        account_id: &AccountId,
        old_hash: &str,
        new: &SealedContact,
        how: PassportRebind,
    ) -> Result<PhoneChangeOutcome> {
        self.rebind_passport_phone(account_id, old_hash, new, how).await
    }

    async fn change_passport_email(
        &self,
        account_id: &AccountId,
        old: Option<&SealedContact>,
        new: &SealedContact,
    ) -> Result<bool> {
        self.rebind_passport_email(account_id, old, new).await
    }
}
