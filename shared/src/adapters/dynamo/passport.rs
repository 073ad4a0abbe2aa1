//! Passport accounts: one registered per phone and at most 5 bound to it [REG-3], signed in by SMS
//! code or by phone/email and password (aliases of the credential) [LOGIN-2], activated on first
//! sign-in to the cloud [REG-4].
//!
//! A phone's items: `PASSPORT#<hash>` names the one passport account the phone signs in to (the
//! one it registered, or the first bound while it had none), with its sign-in alias
//! `LOGIN#phone:<hash>`; `PHONE#<hash>` counts the passport accounts bound to it
//! (`passport_accounts`, beside the cloud accounts' count) and lists them for look-ups.

use super::accounts::{AccountItem, CredentialItem, CredentialStatus, VerificationItem};
use super::codes::consume_update;
use super::tx::Tx;
use super::{fault, get_s, keys, n, s, DynamoStore};
use crate::domain::account::AccountKind;
use crate::domain::agreements::Acceptance;
use crate::domain::ids::AccountId;
use crate::domain::login::{CredentialRef, LoginName};
use crate::error::Result;
use crate::ports::{NewPassportAccount, PassportOutcome, PassportRebind, PhoneChangeOutcome, Profile, SealedContact};
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, Update};
use std::collections::{BTreeMap, BTreeSet};

/// The guards of a passport account's registration [REG-3].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum NewPassport {
    /// The code is right, unused, in time and within its tries (with a proof).
    Code,
    /// The phone has no passport account it signs in to yet (its guard item is absent).
    SignIn,
    /// The phone has fewer passport accounts than its cap.
    PhoneCap,
    /// The account, its credential and its aliases under fresh keys.
    Write,
}

/// The guards of a passport account's activation [REG-4].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Activate {
    /// The account exists.
    Account,
    /// The credential is this account's and no erasure of it is under way [DEL-3].
    Credential,
}

/// The guards of a passport account's move to a new phone (its own change, or an approved rebind
/// appeal's effect) [REG-3, ACC-2, ACC-4].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Rebind {
    /// The account's phone is still the old one.
    Account,
    /// The new phone has fewer passport accounts than its cap.
    PhoneCap,
    /// The new phone's sign-in as read: free to take (its guard and alias absent), or held by an
    /// account (this one or another).
    NewSignIn,
    /// The old phone's sign-in (guard and alias) is still this account's, to leave it.
    OldSignIn,
    /// The old phone's count given back (no condition).
    Write,
}

/// The guards of a passport account's new email.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Email {
    /// The account exists.
    Account,
    /// The new email's alias is free.
    NewAlias,
    /// The old email's alias is still this account's.
    OldAlias,
}

impl DynamoStore {
    fn put(&self, item: super::Item) -> Result<Put> {
        Put::builder()
            .table_name(&self.tables.accounts)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build put"))
    }

    /// A sign-in alias (phone, email, passport username) of a passport account's credential.
    fn alias(&self, alias: &LoginName, account: &AccountId) -> Result<Put> {
        let item = [("pk".to_string(), s(keys::login(alias))), ("alias_of_account".to_string(), s(account.as_str()))];
        self.put(item.into_iter().collect())
    }

    /// The phone's one passport account it signs in to [REG-3]: a guard item, put only if absent.
    fn sign_in_guard(&self, phone_hash: &str, account: &AccountId) -> Result<Put> {
        let item = [
            ("pk".to_string(), s(keys::passport_of_phone(phone_hash))),
            ("account_id".to_string(), s(account.as_str())),
        ];
        self.put(item.into_iter().collect())
    }

    /// Counts a passport account as bound to a phone, within the cap [REG-3], and lists it for
    /// look-ups [REC-3].
    fn count_passport_on_phone(&self, phone_hash: &str, account: &AccountId, cap: u32) -> Result<Update> {
        Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::phone_accounts(phone_hash)))
            .update_expression("ADD passport_accounts :one, account_ids :ids")
            .condition_expression("attribute_not_exists(passport_accounts) OR passport_accounts < :cap")
            .expression_attribute_values(":ids", AttributeValue::Ss(vec![account.to_string()]))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cap", n(cap.into()))
            .build()
            .map_err(fault("build passport phone counter"))
    }

    /// A passport account is no longer bound to the phone.
    fn release_passport_of_phone(&self, phone_hash: &str, account: &AccountId) -> Result<Update> {
        Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::phone_accounts(phone_hash)))
            .update_expression(
                "SET passport_accounts = if_not_exists(passport_accounts, :one) - :one DELETE account_ids :ids",
            )
            .expression_attribute_values(":ids", AttributeValue::Ss(vec![account.to_string()]))
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(fault("build old passport phone counter"))
    }

    /// Removes an alias, only if it still points at this account.
    fn drop_alias(&self, alias: &LoginName, account: &AccountId) -> Result<aws_sdk_dynamodb::types::Delete> {
        self.delete_if_mine(keys::login(alias), "alias_of_account", account)
    }

    pub(crate) async fn create_passport_account(
        &self,
        a: &NewPassportAccount,
        proof: Option<&crate::ports::CodeProof>,
        cap: u32,
    ) -> Result<PassportOutcome> {
        let id = &a.account_id;
        let credential = CredentialItem {
            pk: keys::credential(&CredentialRef::Passport(id.clone())),
            record_version: 1,
            account_id: a.account_id.clone(),
            password_hash: a.password_hash.expose().clone(),
            idle_timeout_secs: crate::domain::session::DEFAULT_IDLE_TIMEOUT.num_seconds(),
            status: CredentialStatus::Active,
            login_protection: false,
            operation_protection: true,
            login_factors: Default::default(),
            operation_factors: Default::default(),
            totp: None,
            recovery_codes: BTreeMap::new(),
            activated: a.activated,
            session_generation: 0,
            console_access: true,
        };
        let account = AccountItem {
            pk: keys::account(&a.account_id),
            record_version: 1,
            account_id: a.account_id.clone(),
            kind: AccountKind::Passport,
            username: a.username.clone().unwrap_or_default(),
            username_key: a.username.as_ref().map(|u| u.to_ascii_lowercase()).unwrap_or_default(),
            phone_hash: a.phone.hash.clone(),
            phone_encrypted: a.phone.encrypted.clone(),
            phone_masked: a.phone.masked.clone(),
            created_at: a.created_at,
            agreements: a.agreements.clone(),
            activated: a.activated,
            legacy: false,
            verification: VerificationItem::Unverified,
            personal: None,
            enterprise: None,
            balance_fen: 0,
            last_change_at: None,
            work_started: 0,
            student: None,
            email: a.email.clone(),
            profile: Profile::default(),
            sms_off: BTreeSet::new(),
            ledger_entries: BTreeSet::new(),
        };
        let mut tx = Tx::new();
        if let Some(proof) = proof {
            tx = tx.update(NewPassport::Code, consume_update(&self.tables.flows, proof)?);
        }
        tx = tx
            .put(NewPassport::SignIn, self.sign_in_guard(&a.phone.hash, id)?)
            .update(NewPassport::PhoneCap, self.count_passport_on_phone(&a.phone.hash, id, cap)?)
            .put(
                NewPassport::Write,
                self.put(serde_dynamo::to_item(&account).map_err(fault("encode passport account"))?)?,
            )
            .put(
                NewPassport::Write,
                self.put(serde_dynamo::to_item(&credential).map_err(fault("encode passport credential"))?)?,
            )
            .put(NewPassport::Write, self.alias(&LoginName::Phone(a.phone.hash.clone()), id)?);
        if let Some(name) = &a.username {
            tx = tx.put(NewPassport::Write, self.alias(&LoginName::PassportName(name.to_ascii_lowercase()), id)?);
        }
        if let Some(email) = &a.email {
            tx = tx.put(NewPassport::Write, self.alias(&LoginName::Email(email.hash.clone()), id)?);
        }
        let Err(cancelled) = self.commit(tx).await? else { return Ok(PassportOutcome::Created) };
        if cancelled.failed(NewPassport::Code) {
            return Ok(PassportOutcome::CodeRejected);
        }
        if cancelled.failed(NewPassport::SignIn) {
            if let Some(account_id) = self.passport_account_of(&a.phone.hash).await? {
                return Ok(PassportOutcome::Exists { account_id });
            }
        } else if cancelled.failed(NewPassport::PhoneCap) {
            return Ok(PassportOutcome::PhoneLimitReached);
        }
        Err(crate::Error::internal("create passport account", "transaction cancelled without a known cause"))
    }

    pub(crate) async fn passport_account_of(&self, phone_hash: &str) -> Result<Option<AccountId>> {
        let item = self.get(&self.tables.accounts, keys::passport_of_phone(phone_hash), "read passport guard").await?;
        Ok(item.as_ref().and_then(|i| get_s(i, "account_id")).map(AccountId::from_raw))
    }

    pub(crate) async fn activate_account(
        &self,
        account_id: &AccountId,
        credential: &CredentialRef,
        agreements: &[Acceptance],
    ) -> Result<()> {
        let agreements = serde_dynamo::to_attribute_value(agreements).map_err(fault("encode agreements"))?;
        let account = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(account_id)))
            .update_expression("SET activated = :yes, agreements = :agreements")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":agreements", agreements)
            .build()
            .map_err(fault("build activate account"))?;
        let credential = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::credential(credential)))
            .update_expression("SET activated = :yes")
            // Not while the erasure of the cloud account deleted before is under way [DEL-3].
            .condition_expression("account_id = :account AND attribute_not_exists(erasing)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":account", s(account_id.as_str()))
            .build()
            .map_err(fault("build activate credential"))?;
        let tx = Tx::new().update(Activate::Account, account).update(Activate::Credential, credential);
        match self.commit(tx).await? {
            Ok(()) => Ok(()),
            Err(cancelled) if cancelled.failed(Activate::Credential) => Err(crate::Error::DeletionInProgress),
            Err(_) => Err(crate::Error::internal("activate account", "transaction cancelled")),
        }
    }

    fn delete_if_mine(
        &self,
        pk: String,
        account_field: &str,
        value: &AccountId,
    ) -> Result<aws_sdk_dynamodb::types::Delete> {
        aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(pk))
            .condition_expression("#owner = :v")
            .expression_attribute_names("#owner", account_field)
            .expression_attribute_values(":v", s(value.as_str()))
            .build()
            .map_err(fault("build delete"))
    }

    pub(crate) async fn rebind_passport_phone(
        &self,
        account_id: &AccountId,
        old_hash: &str,
        new: &SealedContact,
        how: PassportRebind,
    ) -> Result<PhoneChangeOutcome> {
        let tx = self.passport_rebind(account_id, old_hash, new, how)?;
        let Err(cancelled) = self.commit(tx).await? else { return Ok(PhoneChangeOutcome::Changed) };
        Ok(if cancelled.failed(Rebind::Account) {
            PhoneChangeOutcome::Stale
        } else if cancelled.failed(Rebind::PhoneCap) {
            PhoneChangeOutcome::PhoneLimitReached
        } else if cancelled.failed(Rebind::NewSignIn) {
            PhoneChangeOutcome::Raced
        } else if cancelled.failed(Rebind::OldSignIn) {
            // Only this account's own change moves the old phone's sign-in away from it.
            PhoneChangeOutcome::Stale
        } else {
            return Err(crate::Error::internal("change passport phone", "transaction cancelled without a known cause"));
        })
    }

    /// The transaction of a passport account's move to a new phone (its own change, or an
    /// approved rebind appeal's effect) [REG-3, ACC-2, ACC-4]: the account, the new phone's count,
    /// the old phone's, then the new phone's sign-in as read, then the old phone's sign-in
    /// leaving this account.
    pub(crate) fn passport_rebind(
        &self,
        account_id: &AccountId,
        old_hash: &str,
        new: &SealedContact,
        how: PassportRebind,
    ) -> Result<Tx<Rebind>> {
        let mut tx = Tx::new()
            .update(Rebind::Account, self.rebind_phone(account_id, old_hash, new)?)
            .update(Rebind::PhoneCap, self.count_passport_on_phone(&new.hash, account_id, how.cap)?)
            .update(Rebind::Write, self.release_passport_of_phone(old_hash, account_id)?);
        // The new phone's sign-in, as read (taken by this account, or another's).
        tx = if how.takes_sign_in {
            tx.put(Rebind::NewSignIn, self.sign_in_guard(&new.hash, account_id)?)
                .put(Rebind::NewSignIn, self.alias(&LoginName::Phone(new.hash.clone()), account_id)?)
        } else {
            let held = ConditionCheck::builder()
                .table_name(&self.tables.accounts)
                .key("pk", s(keys::passport_of_phone(&new.hash)))
                .condition_expression("attribute_exists(pk)")
                .build()
                .map_err(fault("build sign-in check"))?;
            tx.check(Rebind::NewSignIn, held)
        };
        if how.leaves_sign_in {
            tx = tx
                .delete(
                    Rebind::OldSignIn,
                    self.delete_if_mine(keys::passport_of_phone(old_hash), "account_id", account_id)?,
                )
                .delete(Rebind::OldSignIn, self.drop_alias(&LoginName::Phone(old_hash.to_owned()), account_id)?);
        }
        Ok(tx)
    }

    pub(crate) async fn rebind_passport_email(
        &self,
        account_id: &AccountId,
        old: Option<&SealedContact>,
        new: &SealedContact,
    ) -> Result<bool> {
        let set = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(account_id)))
            .update_expression("SET email = :email")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(
                ":email",
                serde_dynamo::to_attribute_value(new).map_err(fault("encode email"))?,
            )
            .build()
            .map_err(fault("build set email"))?;
        let mut tx = Tx::new()
            .update(Email::Account, set)
            .put(Email::NewAlias, self.alias(&LoginName::Email(new.hash.clone()), account_id)?);
        if let Some(old) = old.filter(|o| o.hash != new.hash) {
            tx = tx.delete(Email::OldAlias, self.drop_alias(&LoginName::Email(old.hash.clone()), account_id)?);
        }
        let Err(cancelled) = self.commit(tx).await? else { return Ok(true) };
        if cancelled.failed(Email::NewAlias) {
            return Ok(false);
        }
        Err(crate::Error::internal("change passport email", "transaction cancelled without a known cause"))
    }
}
