//! Account deletion [DEL-3]: the one transaction that deletes, then the erasure of the rest.

use super::flows::{deadline_text_of, flow_item};
use super::tx::Tx;
use super::{fault, get_s, keys, n, s, store_fault, DynamoStore, Item};
use crate::domain::account::AccountKind;
use crate::domain::case::CaseKind;
use crate::domain::deletion::Erasure;
use crate::domain::enterprise::Method;
use crate::domain::flow::{FlowKind, Versioned};
use crate::domain::ids::{AccountId, FlowId};
use crate::domain::login::CredentialRef;
use crate::domain::throttle::Throttle;
use crate::error::{Error, Result};
use crate::ports::{DeleteOutcome, Deletion, DeletionStore};
use crate::tables::SESSIONS;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, DeleteRequest, Put, TransactWriteItem, Update, WriteRequest,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The flow kinds listed under their account: erased with it.
const OWNED: [FlowKind; 5] = [
    FlowKind::Case,
    FlowKind::EnterpriseApplication,
    FlowKind::SubjectChange,
    FlowKind::FaceCheck,
    FlowKind::PhoneChange,
];

/// The guards of an account's deletion [DEL-3].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum DeleteAccount {
    /// The confirmation's flow as read (not used yet).
    Confirmation,
    /// The credential is this account's and active.
    Credential,
    /// The account's balance and work count as the check saw them.
    Account,
    /// The erasure's record is new (there is one once the account was deleted).
    Erasure,
    /// No review case of a kind open since the check (its guard item is absent).
    NoOpenCase,
    /// The phone's and the document's counts hold this account, to release it.
    Release,
    /// The session generation moved on (no condition).
    Write,
}

/// The guards of an erasure's end.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Finish {
    /// The erasure's flow as read.
    Erasure,
    /// The passport credential is marked by this erasure, or by none.
    Credential,
}

/// A batch write takes at most this many requests.
const BATCH_WRITE: usize = 25;
/// How often a batch write sends again what DynamoDB left unprocessed.
const MAX_UNPROCESSED_ROUNDS: usize = 8;

fn item_key(pk: String) -> HashMap<String, AttributeValue> {
    HashMap::from([("pk".to_owned(), s(pk))])
}

impl DynamoStore {
    /// The credential's part: a cloud account's becomes a tombstone (nothing secret left, the
    /// username kept); a passport account's (the platform's) only leaves the cloud. Both move the
    /// session generation on with the generation item.
    fn retire_credential(&self, d: &Deletion<'_>) -> Result<Update> {
        let builder = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::credential(d.credential)))
            .condition_expression("account_id = :account AND #status = :active")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":account", s(d.account.account_id.as_str()))
            .expression_attribute_values(":active", s("active"))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1));
        let next = "session_generation = if_not_exists(session_generation, :zero) + :one";
        let builder = match d.account.kind {
            AccountKind::Cloud => builder
                .update_expression(format!(
                    "SET #status = :deleted, password_hash = :none, {next} \
                     REMOVE totp, recovery_codes, login_factors, operation_factors"
                ))
                .expression_attribute_values(":deleted", s("deleted"))
                .expression_attribute_values(":none", s("")),
            // Activated (so deleting twice deletes once); marked while the erasure is under way,
            // which activating again waits for.
            AccountKind::Passport => builder
                .update_expression(format!("SET activated = :no, erasing = :erasure, {next}"))
                .condition_expression(
                    "account_id = :account AND #status = :active AND (attribute_not_exists(activated) OR activated = :yes)",
                )
                .expression_attribute_values(":no", AttributeValue::Bool(false))
                .expression_attribute_values(":yes", AttributeValue::Bool(true))
                .expression_attribute_values(":erasure", s(d.erasure_id.as_str())),
        };
        builder.build().map_err(fault("build retire credential"))
    }

    /// A cloud account's item goes; a passport account's keeps what the platform owns (phone,
    /// email, username) and loses what the cloud held. Either only if the balance is still the one
    /// the check saw.
    fn retire_account(&self, d: &Deletion<'_>) -> Result<TransactWriteItem> {
        let key = s(keys::account(&d.account.account_id));
        let seen = n(i64::try_from(d.account.balance_fen).map_err(fault("balance"))?);
        let balance = if d.account.balance_fen == 0 {
            "(attribute_not_exists(balance_fen) OR balance_fen = :seen)"
        } else {
            "balance_fen = :seen"
        };
        // No work opened since the check saw none open [DEL-1].
        let work = if d.account.work_started == 0 {
            "(attribute_not_exists(work_started) OR work_started = :work)"
        } else {
            "work_started = :work"
        };
        let condition = format!("attribute_exists(pk) AND {balance} AND {work}");
        let work_seen = n(i64::try_from(d.account.work_started).map_err(fault("work count"))?);
        Ok(match d.account.kind {
            AccountKind::Cloud => TransactWriteItem::builder()
                .delete(
                    Delete::builder()
                        .table_name(&self.tables.accounts)
                        .key("pk", key)
                        .condition_expression(condition)
                        .expression_attribute_values(":seen", seen)
                        .expression_attribute_values(":work", work_seen)
                        .build()
                        .map_err(fault("build delete account"))?,
                )
                .build(),
            AccountKind::Passport => TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(&self.tables.accounts)
                        .key("pk", key)
                        .update_expression(
                            "SET activated = :no, verification = :unverified, balance_fen = :zero \
                             REMOVE personal, enterprise, student, last_change_at, profile, sms_off, ledger_entries",
                        )
                        .condition_expression(condition)
                        .expression_attribute_values(":seen", seen)
                        .expression_attribute_values(":work", work_seen)
                        .expression_attribute_values(":no", AttributeValue::Bool(false))
                        .expression_attribute_values(":unverified", s("unverified"))
                        .expression_attribute_values(":zero", n(0))
                        .build()
                        .map_err(fault("build clear passport account"))?,
                )
                .build(),
        })
    }

    /// Deletes items by key, `BATCH_WRITE` at a time, sending again what is left unprocessed.
    async fn delete_all(&self, table: &str, pks: Vec<String>, context: &'static str) -> Result<()> {
        for chunk in pks.chunks(BATCH_WRITE) {
            let requests: Vec<WriteRequest> = chunk
                .iter()
                .map(|pk| {
                    let delete = DeleteRequest::builder().set_key(Some(item_key(pk.clone()))).build();
                    delete.map(|d| WriteRequest::builder().delete_request(d).build()).map_err(fault(context))
                })
                .collect::<Result<_>>()?;
            let mut pending = Some(HashMap::from([(table.to_owned(), requests)]));
            let mut rounds = 0;
            while let Some(request) = pending.take().filter(|r| r.values().any(|v| !v.is_empty())) {
                rounds += 1;
                if rounds > MAX_UNPROCESSED_ROUNDS {
                    return Err(Error::internal(context, "deletes left unprocessed"));
                }
                let out = self
                    .client
                    .batch_write_item()
                    .set_request_items(Some(request))
                    .send()
                    .await
                    .map_err(store_fault(context))?;
                pending = out.unprocessed_items;
            }
        }
        Ok(())
    }

    /// Every item of an index partition (all pages).
    async fn partition(
        &self,
        table: &str,
        index: &str,
        (attribute, value): (&str, String),
        context: &'static str,
    ) -> Result<Vec<Item>> {
        let query = self
            .client
            .query()
            .table_name(table)
            .index_name(index)
            .key_condition_expression("#p = :p")
            .expression_attribute_names("#p", attribute)
            .expression_attribute_values(":p", s(value));
        self.query_all(query, context).await
    }

    /// Erases the sessions of an account or a sub-user (those born by `born_by`, if given: a
    /// passport account may sign in again after its deletion): how many.
    async fn erase_sessions(&self, owner: &AccountId, born_by: Option<DateTime<Utc>>) -> Result<usize> {
        let index = SESSIONS.indexes[0].name;
        let found =
            self.partition(&self.tables.sessions, index, ("account_id", owner.to_string()), "list sessions").await?;
        let pks: Vec<String> = found
            .iter()
            .filter(|i| {
                let born = get_s(i, "created_at").and_then(|c| DateTime::parse_from_rfc3339(c).ok());
                born_by.zip(born).is_none_or(|(by, born)| born <= by)
            })
            .filter_map(|i| get_s(i, "pk").map(str::to_owned))
            .collect();
        let count = pks.len();
        self.delete_all(&self.tables.sessions, pks, "erase sessions").await?;
        Ok(count)
    }

    /// Erases the items keyed by the account alone (and the receiving account number's owner item
    /// its receiving account names): how many were found.
    async fn keyed_remains(&self, erasure: &Erasure) -> Result<usize> {
        let account = &erasure.account_id;
        let mut wanted: Vec<String> = vec![keys::bank_card_attempts(account), keys::receiving_account(account)];
        wanted.extend(Method::ALL.map(|m| keys::enterprise_attempts(m, account)));
        wanted.extend(erasure.ledger_entries.iter().map(|t| keys::ledger_entry(t)));
        let flows: Vec<String> = CaseKind::ALL
            .iter()
            .map(|k| keys::open_case(k.as_str(), account))
            .chain([
                keys::open_change(account),
                keys::throttle(&Throttle::SecondFactor(account.clone())),
                keys::throttle(&Throttle::CurrentPassword(account.clone())),
            ])
            .collect();
        let mut found = vec![];
        for chunk in wanted.chunks(100) {
            let asked: Vec<(&str, String)> =
                chunk.iter().map(|pk| (self.tables.accounts.as_str(), pk.clone())).collect();
            for item in self.batch_get(&asked, "read an erased account's items").await? {
                if let Some(number) = get_s(&item, "number_hash") {
                    found.push(keys::receiving_number(number));
                }
                found.extend(get_s(&item, "pk").map(str::to_owned));
            }
        }
        let count = found.len();
        self.delete_all(&self.tables.accounts, found, "erase account items").await?;
        self.delete_all(&self.tables.flows, flows, "erase account guards").await?;
        Ok(count)
    }
}

impl DynamoStore {
    /// The passkeys of a credential [KEY-1, DEL-3]: each `PASSKEY#` item its `passkey_ids` lists,
    /// then the list (a cloud account's tombstone keeps its username only). How many were erased.
    async fn erase_passkeys(&self, credential: &CredentialRef) -> Result<usize> {
        let key = keys::credential(credential);
        let Some(item) = self.get(&self.tables.accounts, key.clone(), "read an erased credential's passkeys").await?
        else {
            return Ok(0);
        };
        let ids = item.get("passkey_ids").and_then(|v| v.as_ss().ok()).cloned().unwrap_or_default();
        if ids.is_empty() {
            return Ok(0);
        }
        let count = ids.len();
        self.delete_all(&self.tables.accounts, ids.iter().map(|id| keys::passkey(id)).collect(), "erase passkeys")
            .await?;
        let forget = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(key))
            .condition_expression("attribute_exists(pk)")
            .update_expression("REMOVE passkey_ids")
            .build()
            .map_err(fault("build forget passkeys"))?;
        self.send_update(forget, "forget an erased credential's passkeys").await?;
        Ok(count)
    }

    /// The main account's sub-users [LOGIN-5]: each one's sessions ended (its generation moved on)
    /// and erased with its credential and passkeys, then the directory and the alias.
    async fn erase_sub_users(&self, main: &AccountId) -> Result<usize> {
        use crate::ports::SubUserStore;
        let directory = self.directory(main).await?;
        let mut erased = 0;
        for (id, name) in &directory.users {
            self.send_update(self.next_generation(id)?, "end a sub-user's sessions").await?;
            erased += self.erase_sessions(id, None).await? + 1;
            let credential = CredentialRef::SubUser(main.clone(), name.clone());
            erased += self.erase_passkeys(&credential).await?;
            self.delete_all(&self.tables.accounts, vec![keys::credential(&credential)], "erase a sub-user").await?;
        }
        if directory.users.is_empty() && directory.alias.is_none() {
            return Ok(erased);
        }
        let mut own = vec![keys::sub_users(main)];
        own.extend(directory.alias.as_deref().map(keys::sub_user_alias));
        erased += own.len();
        self.delete_all(&self.tables.accounts, own, "erase the sub-user directory").await?;
        Ok(erased)
    }
}

#[async_trait]
impl DeletionStore for DynamoStore {
    async fn end_sub_user_sessions(&self, main: &AccountId) -> Result<()> {
        use crate::ports::SubUserStore;
        for id in self.directory(main).await?.users.keys() {
            self.send_update(self.next_generation(id)?, "end a sub-user's sessions").await?;
        }
        Ok(())
    }

    async fn delete(&self, d: &Deletion<'_>) -> Result<DeleteOutcome> {
        let (current, next) = d.confirmation;
        let account = &d.account.account_id;
        let mut tx = Tx::new()
            .update(DeleteAccount::Confirmation, self.flow_transition(current, next)?)
            .update(DeleteAccount::Credential, self.retire_credential(d)?)
            .update(DeleteAccount::Write, self.next_generation(account)?)
            .item(DeleteAccount::Account, self.retire_account(d)?)
            .put(
                DeleteAccount::Erasure,
                Put::builder()
                    .table_name(&self.tables.flows)
                    .set_item(Some(flow_item(d.erasure_id, d.erasure)?))
                    .condition_expression("attribute_not_exists(pk)")
                    .build()
                    .map_err(fault("build erasure record"))?,
            );
        // No review case opened since the check (its guard is there while it is open).
        for kind in CaseKind::ALL {
            let no_open_case = ConditionCheck::builder()
                .table_name(&self.tables.flows)
                .key("pk", s(keys::open_case(kind.as_str(), account)))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(fault("build no open case"))?;
            tx = tx.check(DeleteAccount::NoOpenCase, no_open_case);
        }
        if d.account.kind == AccountKind::Cloud {
            tx = tx.update(DeleteAccount::Release, self.release_phone(account, &d.account.phone.hash)?);
        }
        if let Some(personal) = &d.account.personal {
            tx = tx.update(DeleteAccount::Release, self.release_document(account, &personal.document_hash)?);
        }
        let Err(cancelled) = self.commit(tx).await? else { return Ok(DeleteOutcome::Deleted) };
        Ok(if cancelled.failed(DeleteAccount::Confirmation) {
            DeleteOutcome::ConfirmationUsed
        } else if cancelled.failed(DeleteAccount::Credential) || cancelled.failed(DeleteAccount::Erasure) {
            DeleteOutcome::AlreadyDeleted
        } else if cancelled.failed(DeleteAccount::Account) || cancelled.failed(DeleteAccount::NoOpenCase) {
            DeleteOutcome::Changed
        } else if cancelled.any() {
            return Err(Error::internal("delete account", "a count to release was not held"));
        } else {
            // Lost to a concurrent write on one of the items: what changed is read again.
            DeleteOutcome::Changed
        })
    }

    async fn cases_of_deleted(&self, account: &AccountId, until: DateTime<Utc>) -> Result<Vec<FlowId>> {
        let partition = ("list_pk", keys::owned_flows(FlowKind::Case, account));
        let items = self.partition(&self.tables.flows, "by-owner", partition, "list an erased account's cases").await?;
        let until = deadline_text_of(until);
        Ok(items
            .iter()
            .filter(|i| get_s(i, "list_at").and_then(|at| at.split('#').next()).is_some_and(|at| at <= until.as_str()))
            .filter_map(|i| get_s(i, "flow_id"))
            .map(FlowId::from_raw)
            .collect())
    }

    async fn erase_remains(&self, erasure: &Erasure) -> Result<u32> {
        let account = &erasure.account_id;
        // The sub-users first: their sessions end before anything else is erased.
        let mut erased = self.erase_sub_users(account).await?;
        erased += self.erase_sessions(account, Some(erasure.deleted_at)).await?;
        // The flows listed under the account, each with its audit trail.
        for kind in OWNED {
            let partition = ("list_pk", keys::owned_flows(kind, account));
            let flows =
                self.partition(&self.tables.flows, "by-owner", partition, "list an erased account's flows").await?;
            for flow in &flows {
                let Some(id) = get_s(flow, "flow_id") else { continue };
                let trail = ("list_pk", keys::trail_of(&FlowId::from_raw(id)));
                let entries = self.partition(&self.tables.flows, "by-owner", trail, "list an audit trail").await?;
                let pks: Vec<String> = entries.iter().filter_map(|e| get_s(e, "pk").map(str::to_owned)).collect();
                erased += pks.len();
                self.delete_all(&self.tables.flows, pks, "erase an audit trail").await?;
            }
            let pks: Vec<String> = flows.iter().filter_map(|f| get_s(f, "pk").map(str::to_owned)).collect();
            erased += pks.len();
            self.delete_all(&self.tables.flows, pks, "erase flows").await?;
        }
        erased += self.keyed_remains(erasure).await?;
        if let Some(credential) = &erasure.credential {
            erased += self.erase_passkeys(credential).await?;
        }
        Ok(u32::try_from(erased).unwrap_or(u32::MAX))
    }

    async fn finish(&self, current: &Versioned<Erasure>, next: &Erasure) -> Result<bool> {
        let mut tx = Tx::new().update(Finish::Erasure, self.flow_transition(current, next)?);
        if next.kind == AccountKind::Passport {
            // Only now may the passport account activate the cloud again: a re-run of an
            // unfinished erasure never meets the new cloud account's data.
            let done = Update::builder()
                .table_name(&self.tables.accounts)
                .key("pk", s(keys::credential(&CredentialRef::Passport(next.account_id.clone()))))
                .update_expression("REMOVE erasing")
                .condition_expression("attribute_not_exists(erasing) OR erasing = :erasure")
                .expression_attribute_values(":erasure", s(current.id.as_str()))
                .build()
                .map_err(fault("build erasure done"))?;
            tx = tx.update(Finish::Credential, done);
        }
        Ok(self.commit(tx).await?.is_ok())
    }
}
