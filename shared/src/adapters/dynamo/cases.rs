//! Review cases (stored flows of kind `case`), the staff audit trail and the deadline index.
//! A decision is one transaction: the case's transition (conditional on its version), its audit
//! entry and the approval's effect (conditional on the account as the case found it).

use super::flows::{deadline_text_of, decode_flow, flow_item};
use super::tx::Tx;
use super::{fault, keys, s, store_fault, DynamoStore, Item};
use crate::domain::case::Case;
use crate::domain::flow::{Flow, FlowKind, Versioned};
use crate::domain::ids::{AccountId, FlowId};
use crate::error::{Error, Result};
use crate::ports::{
    decode_cursor, encode_cursor, AuditEntry, CaseEffect, CaseStore, DeadlineIndex, Decides, DecisionOutcome, Page,
    PageRequest,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The guards of opening a case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum OpenCase {
    /// One open case of a kind per account (the kind's guard item is absent).
    OneOfKind,
    /// The account exists and is active (not being deleted) [DEL-1].
    AccountLive,
    /// The case under a fresh id.
    Write,
}

/// The guards of a case's transition (a decision, a close, an audited step).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum CaseWrite {
    /// The case's version as read.
    Case,
    /// The flow the case decides (an application, a change) as read.
    Decided,
    /// The approval's effect: the account (and its counters) as the case found it.
    Effect,
    /// The audit entry under a fresh id, the release of the case's guard (no condition).
    Write,
}

static AUDIT_ORDER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl DynamoStore {
    fn audit_put(&self, entry: &AuditEntry) -> Result<Put> {
        let mut item: Item = serde_dynamo::to_item(entry).map_err(fault("encode audit entry"))?;
        item.insert("pk".into(), s(keys::audit_entry(&crate::domain::ids::new_opaque_id())));
        item.insert("list_pk".into(), s(keys::trail_of(&entry.case_id)));
        // Ordered by time, then by the order this process wrote them (a claim and its view share
        // a timestamp under a test clock, and may share a millisecond in production).
        let order = AUDIT_ORDER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let at = entry.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        item.insert("list_at".into(), s(format!("{at}#{order:012}")));
        Put::builder()
            .table_name(&self.tables.flows)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build audit entry"))
    }

    /// A new case and the guard of its kind for its account (first: it fails when one is open).
    pub(crate) fn open_case_items(&self, id: &FlowId, case: &Case) -> Result<[TransactWriteItem; 2]> {
        let put = |item: Item| {
            Put::builder()
                .table_name(&self.tables.flows)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(fault("build case"))
        };
        let guard: Item =
            [("pk".to_owned(), s(Self::guard_key(case))), ("flow_id".to_owned(), s(id.as_str()))].into_iter().collect();
        Ok([
            TransactWriteItem::builder().put(put(guard)?).build(),
            TransactWriteItem::builder().put(put(flow_item(id, case)?)?).build(),
        ])
    }

    fn guard_key(case: &Case) -> String {
        keys::open_case(case.kind().as_str(), &case.account_id)
    }

    fn release_guard(&self, case: &Case) -> Result<Delete> {
        Delete::builder()
            .table_name(&self.tables.flows)
            .key("pk", s(Self::guard_key(case)))
            .build()
            .map_err(fault("build case guard release"))
    }

    /// A transaction that starts with the case's transition (conditional on its version).
    fn case_tx(&self, current: &Versioned<Case>, next: &Case) -> Result<Tx<CaseWrite>> {
        Ok(Tx::new().update(CaseWrite::Case, self.flow_transition(current, next)?))
    }

    /// The approval's effect, its items added to the case's transaction.
    fn case_effect(&self, tx: Tx<CaseWrite>, effect: &CaseEffect) -> Result<Tx<CaseWrite>> {
        let updates = match effect {
            CaseEffect::RebindPassportPhone { account, old_hash, new, how } => {
                let rebind = self.passport_rebind(account, old_hash, new, *how)?;
                return Ok(tx.extend(rebind, |_| CaseWrite::Effect));
            }
            CaseEffect::RebindPhone { account, old_hash, new, cap } => vec![
                self.rebind_phone(account, old_hash, new)?,
                self.count_on_phone(&new.hash, account, *cap)?,
                self.release_phone(account, old_hash)?,
            ],
            CaseEffect::UnbindTotp { credential, device } => vec![Update::builder()
                .table_name(&self.tables.accounts)
                .key("pk", s(keys::credential(credential)))
                .update_expression("REMOVE totp SET recovery_codes = :none")
                .condition_expression("totp.secret_encrypted = :device")
                .expression_attribute_values(":device", s(device))
                .expression_attribute_values(":none", AttributeValue::M(HashMap::new()))
                .build()
                .map_err(fault("build unbind totp"))?],
            CaseEffect::VerifyPerson { account, identity, cap } => {
                self.verify_personal_updates(account, identity, *cap)?.into()
            }
            CaseEffect::VerifyEnterprise { account, identity } => vec![self.verify_enterprise(account, identity)?],
            CaseEffect::Replace { account, identity, replaced, change } => {
                self.replace_updates(account, identity, replaced, change)?
            }
            CaseEffect::RenameEnterprise { account, uscc, new_name, now } => {
                vec![self.rename_enterprise(account, uscc, new_name, *now)?]
            }
        };
        Ok(updates.into_iter().fold(tx, |tx, u| tx.update(CaseWrite::Effect, u)))
    }

    /// The transition of the flow the case decides (if any), added to the case's transaction.
    fn decided_transition(&self, tx: Tx<CaseWrite>, decides: Option<&Decides>) -> Result<Tx<CaseWrite>> {
        let update = match decides {
            None => return Ok(tx),
            Some(Decides::Application(step)) => self.flow_transition(&step.0, &step.1)?,
            Some(Decides::Change(step)) => self.flow_transition(&step.0, &step.1)?,
        };
        Ok(tx.update(CaseWrite::Decided, update))
    }

    pub(crate) async fn query_flows<F: Flow>(
        &self,
        index: &str,
        partition: (&str, String),
        forward: bool,
        limit: i32,
    ) -> Result<Vec<Versioned<F>>> {
        let page = PageRequest::first(usize::try_from(limit).unwrap_or(0));
        Ok(into_page(self.list_page::<F>(index, partition, forward, &page).await?, page.size).items)
    }

    /// Up to `page.size + 1` flows of one index partition in sort-key order, strictly after the
    /// page's cursor (a sort key this list gave, base64url), each with its sort key: one more
    /// than a page says whether another page follows.
    async fn list_page<F: Flow>(
        &self,
        index: &str,
        partition: (&str, String),
        forward: bool,
        page: &PageRequest,
    ) -> Result<Vec<(String, Versioned<F>)>> {
        let sort_attr = if index == "by-queue" { "staff_at" } else { "list_at" };
        let after = page.after.as_deref().map(decode_cursor).transpose()?;
        let wanted = page.size + 1;
        let mut listed = vec![];
        let mut start = None;
        // Pages of the index until one more than a page (a query stops at 1 MB, whatever its limit).
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.tables.flows)
                .index_name(index)
                .expression_attribute_names("#p", partition.0)
                .expression_attribute_values(":p", s(partition.1.clone()))
                .scan_index_forward(forward)
                .limit(i32::try_from(wanted - listed.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take());
            query = match &after {
                None => query.key_condition_expression("#p = :p"),
                Some(key) => query
                    .key_condition_expression(if forward {
                        "#p = :p AND #s > :after"
                    } else {
                        "#p = :p AND #s < :after"
                    })
                    .expression_attribute_names("#s", sort_attr)
                    .expression_attribute_values(":after", s(key.clone())),
            };
            let out = query.send().await.map_err(store_fault("list flows"))?;
            for item in out.items.unwrap_or_default() {
                let key = super::get_s(&item, sort_attr).unwrap_or_default().to_owned();
                listed.push((key, versioned(item)?));
            }
            start = out.last_evaluated_key;
            if listed.len() >= wanted || start.is_none() {
                return Ok(listed);
            }
        }
    }
}

/// The page of `size` from listed items (sort key, flow) that may hold one more.
fn into_page<F>(mut listed: Vec<(String, Versioned<F>)>, size: usize) -> Page<Versioned<F>> {
    let next = (listed.len() > size).then(|| {
        listed.truncate(size);
        listed.last().map(|(key, _)| encode_cursor(key))
    });
    Page { next: next.flatten(), items: listed.into_iter().map(|(_, flow)| flow).collect() }
}

fn versioned<F: Flow>(item: Item) -> Result<Versioned<F>> {
    let id = super::get_s(&item, "flow_id").ok_or_else(|| Error::internal("decode flow", "no id"))?;
    decode_flow(&item, FlowId::from_raw(id))
}

#[async_trait]
impl CaseStore for DynamoStore {
    async fn open(&self, id: &FlowId, case: &Case) -> Result<bool> {
        let [guard, flow] = self.open_case_items(id, case)?;
        let tx = Tx::new()
            .item(OpenCase::OneOfKind, guard)
            .item(OpenCase::Write, flow)
            .item(OpenCase::AccountLive, self.start_work(&case.account_id)?);
        let Err(cancelled) = self.commit(tx).await? else { return Ok(true) };
        if cancelled.failed(OpenCase::AccountLive) {
            // The account was deleted meanwhile [DEL-1].
            Err(Error::Unauthenticated)
        } else if cancelled.failed(OpenCase::OneOfKind) {
            Ok(false)
        } else {
            Err(Error::internal("open a case", "transaction cancelled without its guard failing"))
        }
    }

    async fn close(&self, current: &Versioned<Case>, next: &Case, decides: Option<&Decides>) -> Result<bool> {
        let tx = self.case_tx(current, next)?.delete(CaseWrite::Write, self.release_guard(next)?);
        let tx = self.decided_transition(tx, decides)?;
        Ok(self.commit(tx).await?.is_ok())
    }

    async fn decide(
        &self,
        current: &Versioned<Case>,
        next: &Case,
        audit: &AuditEntry,
        effect: Option<&CaseEffect>,
        decides: Option<&Decides>,
    ) -> Result<DecisionOutcome> {
        // The case, its audit entry, its guard, the flow it decides (if any), then the effect.
        let mut tx = self
            .case_tx(current, next)?
            .put(CaseWrite::Write, self.audit_put(audit)?)
            .delete(CaseWrite::Write, self.release_guard(next)?);
        tx = self.decided_transition(tx, decides)?;
        if let Some(effect) = effect {
            tx = self.case_effect(tx, effect)?;
        }
        let Err(cancelled) = self.commit(tx).await? else { return Ok(DecisionOutcome::Applied) };
        let stale = [CaseWrite::Case, CaseWrite::Write, CaseWrite::Decided].into_iter().any(|g| cancelled.failed(g));
        Ok(if cancelled.failed(CaseWrite::Effect) && !stale {
            DecisionOutcome::EffectRefused
        } else {
            // The case changed, or a transaction conflict (another write to one of the items at
            // the same moment): read again and retry.
            DecisionOutcome::Stale
        })
    }

    async fn transition_audited(&self, current: &Versioned<Case>, next: &Case, audit: &AuditEntry) -> Result<bool> {
        let tx = self.case_tx(current, next)?.put(CaseWrite::Write, self.audit_put(audit)?);
        Ok(self.commit(tx).await?.is_ok())
    }

    async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        let put = self.audit_put(entry)?;
        self.client
            .put_item()
            .table_name(put.table_name())
            .set_item(Some(put.item().clone()))
            .send()
            .await
            .map_err(store_fault("write audit entry"))?;
        Ok(())
    }

    async fn audit_trail(&self, case: &FlowId) -> Result<Vec<AuditEntry>> {
        let out = self
            .client
            .query()
            .table_name(&self.tables.flows)
            .index_name("by-owner")
            .key_condition_expression("list_pk = :p")
            .expression_attribute_values(":p", s(keys::trail_of(case)))
            .limit(500)
            .send()
            .await
            .map_err(store_fault("read audit trail"))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|item| serde_dynamo::from_item(item).map_err(fault("decode audit entry")))
            .collect()
    }

    async fn cases_of(&self, account: &AccountId, page: &PageRequest) -> Result<Page<Versioned<Case>>> {
        let partition = ("list_pk", keys::owned_flows(FlowKind::Case, account));
        let listed = self.list_page("by-owner", partition, false, page).await?;
        Ok(into_page(listed, page.size))
    }

    async fn open_cases(&self, page: &PageRequest) -> Result<Page<Versioned<Case>>> {
        // The soonest due of each shard after the cursor, merged: the soonest due of all.
        let shards = keys::staff_queue_shards(FlowKind::Case)
            .map(|shard| self.list_page::<Case>("by-queue", ("staff_pk", shard), true, page));
        let mut open: Vec<(String, Versioned<Case>)> =
            futures::future::try_join_all(shards).await?.into_iter().flatten().collect();
        open.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(into_page(open, page.size))
    }

    async fn decided_on(&self, day: chrono::NaiveDate, limit: usize) -> Result<Vec<Versioned<Case>>> {
        let partition = ("staff_pk", keys::decided_on(FlowKind::Case, day));
        let mut listed = self.list_page::<Case>("by-queue", partition, true, &PageRequest::first(limit)).await?;
        listed.truncate(limit);
        Ok(listed.into_iter().map(|(_, case)| case).collect())
    }
}

#[async_trait]
impl DeadlineIndex for DynamoStore {
    async fn due(&self, kind: FlowKind, now: DateTime<Utc>, limit: i32) -> Result<Vec<FlowId>> {
        // The soonest deadlines of each shard, merged: the soonest of all.
        let shards = keys::deadline_shards(kind).map(|shard| self.due_in(shard, now, limit));
        let mut due: Vec<(String, FlowId)> =
            futures::future::try_join_all(shards).await?.into_iter().flatten().collect();
        due.sort();
        due.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(due.into_iter().map(|(_, id)| id).collect())
    }
}

impl DynamoStore {
    /// The flows of one shard of the deadline index due by `now`, soonest first, up to `limit`:
    /// (deadline, id).
    async fn due_in(&self, shard: String, now: DateTime<Utc>, limit: i32) -> Result<Vec<(String, FlowId)>> {
        // Pages of the index until `limit` ids (a page stops at 1 MB, whatever the limit).
        let wanted = usize::try_from(limit).unwrap_or(0);
        let mut due = vec![];
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.tables.flows)
                .index_name("by-deadline")
                .key_condition_expression("due = :due AND deadline_at <= :now")
                .expression_attribute_values(":due", s(shard.clone()))
                .expression_attribute_values(":now", s(deadline_text_of(now)))
                .limit(limit)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(store_fault("find due flows"))?;
            due.extend(out.items.unwrap_or_default().iter().filter_map(|item| {
                let at = super::get_s(item, "deadline_at")?.to_owned();
                Some((at, FlowId::from_raw(super::get_s(item, "flow_id")?)))
            }));
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() && due.len() < wanted => start = Some(key),
                _ => break,
            }
        }
        due.truncate(wanted);
        Ok(due)
    }
}
