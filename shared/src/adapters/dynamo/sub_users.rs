//! Sub-users [LOGIN-5]: each a credential item (`LOGIN#sub:<main>:<name>`, the credential shape
//! sign-in reads) with its own session generation item, and the main account's directory
//! (`SUBUSERS#<main>`: id -> name, count, settings); an alias is `SUBALIAS#<alias>`.

use super::accounts::{CredentialItem, CredentialStatus};
use super::tx::Tx;
use super::{fault, get_s, keys, n, s, DynamoStore, Item};
use crate::domain::ids::AccountId;
use crate::domain::login::CredentialRef;
use crate::domain::security::ChosenFactors;
use crate::domain::sub_user::SubUser;
use crate::error::Result;
use crate::ports::{AliasOutcome, CreateSubUserOutcome, NewSubUser, SubUserChange, SubUserDirectory, SubUserStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// The guards of a sub-user's creation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum CreateSubUser {
    /// The name is free (the credential's key).
    Name,
    /// The directory: under the cap, and the 2FA rule the one copied (returns the directory).
    Directory,
    /// The main account is live (not deleted, not a deactivated passport account).
    MainLive,
    /// The main account's idle timeout is the one copied.
    MainTimeout,
}

/// The guards of a sub-user's change or deletion.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SubUserWrite {
    /// The credential is still this sub-user's (and, to remove its MFA device, has one).
    Credential,
    /// The directory's entry removed, the session generation moved on (no condition).
    Write,
}

/// The guards of a change of the main account's sub-user alias.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Alias {
    /// The new alias is free, or already the main account's.
    Claim,
    /// The old alias is the main account's, or gone.
    Release,
    /// The directory's alias as read.
    Directory,
}

fn credential_key(main: &AccountId, name: &str) -> String {
    keys::credential(&CredentialRef::SubUser(main.clone(), name.to_owned()))
}

fn factors(require_mfa: bool) -> Result<AttributeValue> {
    let chosen = if require_mfa { ChosenFactors::TOTP } else { ChosenFactors::default() };
    serde_dynamo::to_attribute_value(chosen).map_err(fault("encode factors"))
}

impl DynamoStore {
    /// Moves the sub-user's session generation on (its credential's copy moves in the same
    /// transaction, by the caller's update): every session of it ends.
    fn end_sub_user_sessions(&self, sub_user_id: &AccountId) -> Result<TransactWriteItem> {
        Ok(TransactWriteItem::builder().update(self.next_generation(sub_user_id)?).build())
    }

    /// Every sub-user credential of the main account, updated alike (the directory names them).
    async fn update_each(
        &self,
        main: &AccountId,
        expression: &str,
        values: HashMap<String, AttributeValue>,
    ) -> Result<()> {
        let directory = self.directory(main).await?;
        let updates = directory.users.iter().map(|(id, name)| {
            self.client
                .update_item()
                .table_name(&self.tables.accounts)
                .key("pk", s(credential_key(main, name)))
                .update_expression(expression)
                .condition_expression("account_id = :id")
                .set_expression_attribute_values(Some(values.clone()))
                .expression_attribute_values(":id", s(id.as_str()))
                .send()
        });
        for result in futures::future::join_all(updates).await {
            // A sub-user deleted meanwhile fails its condition: nothing to update.
            super::written(result, "update a sub-user")?;
        }
        Ok(())
    }
}

#[async_trait]
impl SubUserStore for DynamoStore {
    async fn directory(&self, main: &AccountId) -> Result<SubUserDirectory> {
        let Some(item) = self.get(&self.tables.accounts, keys::sub_users(main), "read sub-user directory").await?
        else {
            return Ok(SubUserDirectory::default());
        };
        let users = item
            .get("users")
            .and_then(|u| u.as_m().ok())
            .map(|m| {
                m.iter().filter_map(|(id, name)| Some((AccountId::from_raw(id), name.as_s().ok()?.clone()))).collect()
            })
            .unwrap_or_default();
        Ok(SubUserDirectory {
            users,
            require_mfa: item.get("require_mfa").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
            alias: get_s(&item, "alias").map(str::to_owned),
            passkeys_allowed: item.get("passkeys_allowed").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
        })
    }

    async fn create(&self, u: &NewSubUser, cap: u32) -> Result<CreateSubUserOutcome> {
        let credential = CredentialItem {
            pk: credential_key(&u.main, &u.username),
            record_version: 1,
            account_id: u.sub_user_id.clone(),
            password_hash: u.password_hash.expose().clone(),
            idle_timeout_secs: u.idle_timeout_secs,
            status: CredentialStatus::Active,
            login_protection: u.require_mfa,
            // Sub-users have no phone: no operation protection by SMS.
            operation_protection: false,
            login_factors: if u.require_mfa { ChosenFactors::TOTP } else { ChosenFactors::default() },
            operation_factors: ChosenFactors::TOTP,
            totp: None,
            recovery_codes: BTreeMap::new(),
            activated: true,
            session_generation: 0,
            console_access: u.console_access,
        };
        let mut item: Item = serde_dynamo::to_item(&credential).map_err(fault("encode sub-user"))?;
        let extra: Item = [
            ("main_account_id", s(u.main.as_str())),
            ("username", s(&u.username)),
            ("created_at", s(u.created_at.to_rfc3339())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        item.extend(extra);
        if let Some(display) = &u.display_name {
            item.insert("display_name".into(), s(display));
        }
        let put = Put::builder()
            .table_name(&self.tables.accounts)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build put sub-user"))?;
        // A map entry can only be set in a map that exists: the directory is made first (once).
        let directory = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::sub_users(&u.main)))
            .update_expression("SET #users = if_not_exists(#users, :empty)")
            .expression_attribute_names("#users", "users")
            .expression_attribute_values(":empty", AttributeValue::M(HashMap::new()))
            .build()
            .map_err(fault("build sub-user directory"))?;
        self.send_update(directory, "make the sub-user directory").await?;
        // Under the cap, and only while the 2FA rule is the one the credential copies (a rule
        // switched on meanwhile must not miss this sub-user: its switch updates the listed ones).
        let same_rule = if u.require_mfa {
            "require_mfa = :mfa"
        } else {
            "(attribute_not_exists(require_mfa) OR require_mfa = :mfa)"
        };
        let list = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::sub_users(&u.main)))
            .update_expression("SET #users.#id = :name ADD #count :one")
            .condition_expression(format!("(attribute_not_exists(#count) OR #count < :cap) AND {same_rule}"))
            .expression_attribute_names("#users", "users")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#id", u.sub_user_id.as_str())
            .expression_attribute_values(":name", s(&u.username))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cap", n(cap.into()))
            .expression_attribute_values(":mfa", AttributeValue::Bool(u.require_mfa))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(fault("build count sub-user"))?;
        // Only while the main account is live (not deleted, not a deactivated passport account).
        let live = ConditionCheck::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(&u.main)))
            .condition_expression("attribute_exists(pk) AND activated = :yes")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .build()
            .map_err(fault("build main account live"))?;
        // Only while the main account's idle timeout is the one copied (a change meanwhile sets it
        // on the listed sub-users only).
        let same_timeout = ConditionCheck::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::credential(&u.main_credential)))
            .condition_expression("idle_timeout_secs = :idle")
            .expression_attribute_values(":idle", n(u.idle_timeout_secs))
            .build()
            .map_err(fault("build main idle timeout"))?;
        let tx = Tx::new()
            .put(CreateSubUser::Name, put)
            .update(CreateSubUser::Directory, list)
            .check(CreateSubUser::MainLive, live)
            .check(CreateSubUser::MainTimeout, same_timeout);
        let Err(cancelled) = self.commit_retrying(tx, "create sub-user").await? else {
            return Ok(CreateSubUserOutcome::Created);
        };
        let rule_then = |item: &Item| item.get("require_mfa").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false);
        Ok(if cancelled.failed(CreateSubUser::MainLive) {
            CreateSubUserOutcome::MainAccountGone
        } else if cancelled.failed(CreateSubUser::Name) {
            CreateSubUserOutcome::NameTaken
        } else if cancelled.failed(CreateSubUser::MainTimeout)
            || cancelled.item(CreateSubUser::Directory).is_some_and(|old| rule_then(old) != u.require_mfa)
        {
            CreateSubUserOutcome::RuleChanged
        } else {
            CreateSubUserOutcome::LimitReached
        })
    }

    async fn sub_users(&self, main: &AccountId, names: &[String]) -> Result<Vec<SubUser>> {
        let mut found = vec![];
        for chunk in names.chunks(100) {
            let wanted: Vec<(&str, String)> =
                chunk.iter().map(|name| (self.tables.accounts.as_str(), credential_key(main, name))).collect();
            for item in self.batch_get(&wanted, "read sub-users").await? {
                let created_at = get_s(&item, "created_at")
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_default();
                found.push(SubUser {
                    sub_user_id: AccountId::from_raw(get_s(&item, "account_id").unwrap_or_default()),
                    username: get_s(&item, "username").unwrap_or_default().to_owned(),
                    display_name: get_s(&item, "display_name").map(str::to_owned),
                    console_access: item.get("console_access").and_then(|v| v.as_bool().ok()).copied().unwrap_or(true),
                    enabled: get_s(&item, "status") == Some("active"),
                    mfa_bound: item.contains_key("totp"),
                    created_at,
                });
            }
        }
        found.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(found)
    }

    async fn change(
        &self,
        main: &AccountId,
        name: &str,
        sub_user_id: &AccountId,
        change: SubUserChange,
    ) -> Result<bool> {
        let builder = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(credential_key(main, name)))
            .condition_expression("account_id = :id")
            .expression_attribute_values(":id", s(sub_user_id.as_str()))
            .expression_attribute_values(":one", n(1));
        let update = match change {
            SubUserChange::Enabled(enabled) => builder
                .update_expression("SET #status = :status ADD session_generation :one")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":status", s(if enabled { "active" } else { "disabled" })),
            SubUserChange::Password(hash) => builder
                .update_expression("SET password_hash = :hash ADD session_generation :one")
                .expression_attribute_values(":hash", s(hash.expose())),
            SubUserChange::RemoveMfaDevice => builder
                .update_expression("REMOVE totp SET recovery_codes = :none ADD session_generation :one")
                .condition_expression("account_id = :id AND attribute_exists(totp)")
                .expression_attribute_values(":none", AttributeValue::M(HashMap::new())),
        }
        .build()
        .map_err(fault("build change sub-user"))?;
        let tx = Tx::new()
            .update(SubUserWrite::Credential, update)
            .item(SubUserWrite::Write, self.end_sub_user_sessions(sub_user_id)?);
        Ok(self.commit_retrying(tx, "change sub-user").await?.is_ok())
    }

    async fn delete(&self, main: &AccountId, name: &str, sub_user_id: &AccountId) -> Result<bool> {
        let delete = Delete::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(credential_key(main, name)))
            .condition_expression("account_id = :id")
            .expression_attribute_values(":id", s(sub_user_id.as_str()))
            .build()
            .map_err(fault("build delete sub-user"))?;
        let unlist = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::sub_users(main)))
            .update_expression("REMOVE #users.#id ADD #count :minus")
            .expression_attribute_names("#users", "users")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#id", sub_user_id.as_str())
            .expression_attribute_values(":minus", n(-1))
            .build()
            .map_err(fault("build unlist sub-user"))?;
        let mut tx = Tx::new()
            .delete(SubUserWrite::Credential, delete)
            .update(SubUserWrite::Write, unlist)
            .item(SubUserWrite::Write, self.end_sub_user_sessions(sub_user_id)?);
        // Its passkeys go with it [KEY-1] (at most ten, listed on the credential).
        let credential =
            self.get(&self.tables.accounts, credential_key(main, name), "read a sub-user's passkeys").await?;
        let passkeys = credential.as_ref().and_then(|c| c.get("passkey_ids")).and_then(|v| v.as_ss().ok());
        for id in passkeys.into_iter().flatten() {
            let gone = Delete::builder()
                .table_name(&self.tables.accounts)
                .key("pk", s(keys::passkey(id)))
                .build()
                .map_err(fault("build delete passkey"))?;
            tx = tx.delete(SubUserWrite::Write, gone);
        }
        Ok(self.commit_retrying(tx, "delete sub-user").await?.is_ok())
    }

    async fn set_require_mfa(&self, main: &AccountId, require: bool) -> Result<()> {
        let setting = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::sub_users(main)))
            .update_expression("SET require_mfa = :on")
            .expression_attribute_values(":on", AttributeValue::Bool(require))
            .build()
            .map_err(fault("build require mfa"))?;
        self.send_update(setting, "require sub-user mfa").await?;
        // The rule goes on each listed sub-user, then is read again: if another switch landed
        // meanwhile (and may have set its rule on them before this one), the rule read wins.
        let mut rule = require;
        for _ in 0..3 {
            let values = HashMap::from([
                (":on".to_owned(), AttributeValue::Bool(rule)),
                (":factors".to_owned(), factors(rule)?),
            ]);
            self.update_each(main, "SET login_protection = :on, login_factors = :factors", values).await?;
            let now = self.directory(main).await?.require_mfa;
            if now == rule {
                return Ok(());
            }
            rule = now;
        }
        Err(crate::Error::busy("require sub-user mfa", "the rule kept changing"))
    }

    async fn set_passkeys_allowed(&self, main: &AccountId, allowed: bool) -> Result<()> {
        let setting = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::sub_users(main)))
            .update_expression("SET passkeys_allowed = :on")
            .expression_attribute_values(":on", AttributeValue::Bool(allowed))
            .build()
            .map_err(fault("build passkeys allowed"))?;
        self.send_update(setting, "allow sub-user passkeys").await.map(|_| ())
    }

    async fn set_alias(&self, main: &AccountId, old: Option<&str>, new: Option<&str>) -> Result<AliasOutcome> {
        let mut tx = Tx::new();
        if let Some(new) = new {
            let claim: Item =
                [("pk".to_owned(), s(keys::sub_user_alias(new))), ("account_id".to_owned(), s(main.as_str()))]
                    .into_iter()
                    .collect();
            let put = Put::builder()
                .table_name(&self.tables.accounts)
                .set_item(Some(claim))
                .condition_expression("attribute_not_exists(pk) OR account_id = :main")
                .expression_attribute_values(":main", s(main.as_str()))
                .build()
                .map_err(fault("build claim alias"))?;
            tx = tx.put(Alias::Claim, put);
        }
        if let Some(old) = old.filter(|o| Some(*o) != new) {
            let release = Delete::builder()
                .table_name(&self.tables.accounts)
                .key("pk", s(keys::sub_user_alias(old)))
                .condition_expression("attribute_not_exists(pk) OR account_id = :main")
                .expression_attribute_values(":main", s(main.as_str()))
                .build()
                .map_err(fault("build release alias"))?;
            tx = tx.delete(Alias::Release, release);
        }
        // Only over the alias read: two changes at once cannot both claim one.
        let directory = Update::builder().table_name(&self.tables.accounts).key("pk", s(keys::sub_users(main)));
        let directory = match old {
            Some(old) => directory.condition_expression("alias = :old").expression_attribute_values(":old", s(old)),
            None => directory.condition_expression("attribute_not_exists(alias)"),
        };
        let directory = match new {
            Some(new) => {
                directory.update_expression("SET alias = :alias").expression_attribute_values(":alias", s(new))
            }
            None => directory.update_expression("REMOVE alias"),
        }
        .build()
        .map_err(fault("build directory alias"))?;
        tx = tx.update(Alias::Directory, directory);
        Ok(match self.commit(tx).await? {
            Ok(()) => AliasOutcome::Set,
            Err(cancelled) if cancelled.failed(Alias::Claim) => AliasOutcome::Taken,
            // The alias changed since it was read, or a concurrent transaction won.
            Err(_) => AliasOutcome::Raced,
        })
    }

    async fn main_of_alias(&self, alias: &str) -> Result<Option<AccountId>> {
        let item = self.get(&self.tables.accounts, keys::sub_user_alias(alias), "read alias").await?;
        Ok(item.as_ref().and_then(|i| get_s(i, "account_id")).map(AccountId::from_raw))
    }

    async fn set_idle_timeout(&self, main: &AccountId, secs: i64) -> Result<()> {
        let values = HashMap::from([(":secs".to_owned(), n(secs))]);
        self.update_each(main, "SET idle_timeout_secs = :secs", values).await
    }
}
