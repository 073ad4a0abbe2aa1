//! Subject changes' transactions [CHG-1..CHG-5]: the account's one open change (a guard item,
//! replaced only when the change it names has ended), a person change's completion (the account's
//! new person, the document counters, the 30-day rule) and a name change's.

use super::flows::flow_item;
use super::tx::Tx;
use super::{fault, get_s, keys, n, s, DynamoStore, Item};
use crate::domain::case::Case;
use crate::domain::change::{SubjectChange, CHANGE_INTERVAL};
use crate::domain::enterprise::Uscc;
use crate::domain::flow::Versioned;
use crate::domain::ids::{AccountId, FlowId};
use crate::error::{Error, Result};
use crate::ports::{ChangeOutcome, ChangeStore, NewPerson};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};

/// The guards of opening a change (and of a name change, opened and completed at once).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum OpenChange {
    /// One open change per account.
    OnePerAccount,
    /// One open case of a kind per account.
    OneCasePerKind,
    /// The account exists and is active (not being deleted).
    AccountLive,
    /// The enterprise is still the one the name change read.
    Enterprise,
    /// New items under fresh ids.
    Write,
}

/// The guards of a change's move to review.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ToReview {
    /// The change's flow as read.
    Flow,
    /// One open case of a kind per account.
    OneCasePerKind,
    /// The case under a fresh id.
    Write,
}

/// The guards of completing a change of person.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PersonChange {
    /// The change's (and its face check's) flow as read.
    Flow,
    /// The account's person as the change started from it, and no change within 30 days.
    Account,
    /// The new person's document is on fewer accounts than its cap.
    DocumentCap,
    /// The old document is counted for this account.
    OldDocument,
}

/// The condition that no change completed in the 30 days before `:limit`'s moment.
const NOT_TOO_SOON: &str = "(attribute_not_exists(last_change_at) OR last_change_at <= :limit)";

impl DynamoStore {
    fn change_guard_put(&self, id: &FlowId, change: &SubjectChange, stale: Option<&FlowId>) -> Result<Put> {
        let guard: Item =
            [("pk".to_owned(), s(keys::open_change(&change.account_id))), ("flow_id".to_owned(), s(id.as_str()))]
                .into_iter()
                .collect();
        let mut put = Put::builder().table_name(&self.tables.flows).set_item(Some(guard));
        put = match stale {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(stale) => put
                .condition_expression("attribute_not_exists(pk) OR flow_id = :stale")
                .expression_attribute_values(":stale", s(stale.as_str())),
        };
        put.build().map_err(fault("build change guard"))
    }

    fn new_flow_put(&self, item: Item) -> Result<TransactWriteItem> {
        let put = Put::builder()
            .table_name(&self.tables.flows)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build new flow"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The organisation's new name (same code), recording the change's time [CHG-2].
    pub(crate) fn rename_enterprise(
        &self,
        account: &AccountId,
        uscc: &Uscc,
        new_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Update> {
        Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(account)))
            .update_expression("SET enterprise.#name = :name, last_change_at = :now")
            .condition_expression(format!("verification = :enterprise AND enterprise.uscc = :uscc AND {NOT_TOO_SOON}"))
            .expression_attribute_names("#name", "name")
            .expression_attribute_values(":name", s(new_name))
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":limit", n((now - CHANGE_INTERVAL).timestamp()))
            .expression_attribute_values(":enterprise", s("enterprise"))
            .expression_attribute_values(":uscc", s(uscc.as_str()))
            .build()
            .map_err(fault("build rename"))
    }

    /// The account's person gives way to the organisation (only if it still names that person)
    /// [CHG-4]; the caller adds the document's release and the change's transition.
    pub(crate) fn person_to_enterprise(
        &self,
        account: &AccountId,
        identity: &crate::domain::enterprise::EnterpriseIdentity,
        document_hash: &str,
    ) -> Result<Update> {
        Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(account)))
            .update_expression(
                "SET verification = :enterprise, enterprise = :identity, last_change_at = :now REMOVE personal, student",
            )
            .condition_expression(format!(
                "verification = :personal AND personal.document_hash = :old AND {NOT_TOO_SOON}"
            ))
            .expression_attribute_values(":enterprise", s("enterprise"))
            .expression_attribute_values(":personal", s("personal"))
            .expression_attribute_values(":old", s(document_hash))
            .expression_attribute_values(":now", n(identity.verified_at.timestamp()))
            .expression_attribute_values(":limit", n((identity.verified_at - CHANGE_INTERVAL).timestamp()))
            .expression_attribute_values(
                ":identity",
                serde_dynamo::to_attribute_value(identity).map_err(fault("encode enterprise identity"))?,
            )
            .build()
            .map_err(fault("build person to enterprise"))
    }

    /// One organisation gives way to another (only if the account still names the first) [CHG-3].
    fn enterprise_to_enterprise(
        &self,
        account: &AccountId,
        identity: &crate::domain::enterprise::EnterpriseIdentity,
        old: &Uscc,
    ) -> Result<Update> {
        Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(account)))
            .update_expression("SET enterprise = :identity, last_change_at = :now")
            .condition_expression(format!("verification = :enterprise AND enterprise.uscc = :old AND {NOT_TOO_SOON}"))
            .expression_attribute_values(":enterprise", s("enterprise"))
            .expression_attribute_values(":old", s(old.as_str()))
            .expression_attribute_values(":now", n(identity.verified_at.timestamp()))
            .expression_attribute_values(":limit", n((identity.verified_at - CHANGE_INTERVAL).timestamp()))
            .expression_attribute_values(
                ":identity",
                serde_dynamo::to_attribute_value(identity).map_err(fault("encode enterprise identity"))?,
            )
            .build()
            .map_err(fault("build enterprise to enterprise"))
    }

    /// The writes of a change's completion by an organisation: the account first, then the
    /// person's document released (for a person), then the change's transition.
    pub(crate) fn replace_updates(
        &self,
        account: &AccountId,
        identity: &crate::domain::enterprise::EnterpriseIdentity,
        replaced: &crate::ports::Replaced,
        change: &(Versioned<SubjectChange>, SubjectChange),
    ) -> Result<Vec<Update>> {
        let mut updates = match replaced {
            crate::ports::Replaced::Person { document_hash } => vec![
                self.person_to_enterprise(account, identity, document_hash)?,
                self.release_document(account, document_hash)?,
            ],
            crate::ports::Replaced::Enterprise { uscc } => {
                vec![self.enterprise_to_enterprise(account, identity, uscc)?]
            }
        };
        updates.push(self.flow_transition(&change.0, &change.1)?);
        Ok(updates)
    }
}

#[async_trait]
impl ChangeStore for DynamoStore {
    async fn change_guard(&self, account: &AccountId) -> Result<Option<FlowId>> {
        let item = self.get(&self.tables.flows, keys::open_change(account), "read change guard").await?;
        Ok(item.as_ref().and_then(|i| get_s(i, "flow_id")).map(FlowId::from_raw))
    }

    async fn open_change(
        &self,
        id: &FlowId,
        change: &SubjectChange,
        stale: Option<&FlowId>,
        case: Option<(&FlowId, &Case)>,
    ) -> Result<ChangeOutcome> {
        let mut tx = Tx::new()
            .put(OpenChange::OnePerAccount, self.change_guard_put(id, change, stale)?)
            .item(OpenChange::Write, self.new_flow_put(flow_item(id, change)?)?);
        if let Some((case_id, case)) = case {
            let [open, case] = self.open_case_items(case_id, case)?;
            tx = tx.item(OpenChange::OneCasePerKind, open).item(OpenChange::Write, case);
        }
        tx = tx.item(OpenChange::AccountLive, self.start_work(&change.account_id)?);
        Ok(match self.commit(tx).await? {
            Ok(()) => ChangeOutcome::Applied,
            // The account was deleted meanwhile [DEL-1].
            Err(cancelled) if cancelled.failed(OpenChange::AccountLive) => return Err(Error::Unauthenticated),
            Err(cancelled) if cancelled.failed(OpenChange::OnePerAccount) => ChangeOutcome::AlreadyOpen,
            Err(cancelled) if cancelled.failed(OpenChange::OneCasePerKind) => ChangeOutcome::AlreadyOpen,
            Err(_) => return Err(Error::internal("open a change", "cancelled without a failed condition")),
        })
    }

    async fn change_to_review(
        &self,
        current: &Versioned<SubjectChange>,
        next: &SubjectChange,
        (case_id, case): (&FlowId, &Case),
    ) -> Result<bool> {
        let [open, case] = self.open_case_items(case_id, case)?;
        let tx = Tx::new()
            .update(ToReview::Flow, self.flow_transition(current, next)?)
            .item(ToReview::OneCasePerKind, open)
            .item(ToReview::Write, case);
        Ok(self.commit(tx).await?.is_ok())
    }

    async fn complete_person_change(
        &self,
        current: &Versioned<SubjectChange>,
        next: &SubjectChange,
        old_document_hash: &str,
        new: NewPerson<'_>,
        cap: u32,
        now: DateTime<Utc>,
    ) -> Result<ChangeOutcome> {
        let account = &current.flow.account_id;
        let identity = serde_dynamo::to_attribute_value(new.identity).map_err(fault("encode identity"))?;
        let rename = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(account)))
            .update_expression("SET personal = :new, last_change_at = :now REMOVE student")
            .condition_expression(format!(
                "verification = :personal AND personal.document_hash = :old AND {NOT_TOO_SOON}"
            ))
            .expression_attribute_values(":new", identity)
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":limit", n((now - CHANGE_INTERVAL).timestamp()))
            .expression_attribute_values(":personal", s("personal"))
            .expression_attribute_values(":old", s(old_document_hash))
            .build()
            .map_err(fault("build person change"))?;
        let mut tx = Tx::new()
            .update(PersonChange::Flow, self.flow_transition(current, next)?)
            .update(PersonChange::Account, rename)
            .update(PersonChange::DocumentCap, self.count_document(account, &new.identity.document_hash, cap)?)
            .update(PersonChange::OldDocument, self.release_document(account, old_document_hash)?);
        if let Some((face, face_next)) = new.face {
            tx = tx.update(PersonChange::Flow, self.flow_transition(face, face_next)?);
        }
        let Err(cancelled) = self.commit(tx).await? else { return Ok(ChangeOutcome::Applied) };
        Ok(if cancelled.failed(PersonChange::Flow) {
            ChangeOutcome::Stale
        } else if cancelled.failed(PersonChange::Account) {
            // Another change completed within 30 days, or the account's person is not the one
            // the change started from: the caller tells which from the account.
            ChangeOutcome::AccountChanged
        } else if cancelled.failed(PersonChange::DocumentCap) {
            ChangeOutcome::DocumentLimitReached
        } else if cancelled.failed(PersonChange::OldDocument) {
            ChangeOutcome::AccountChanged
        } else {
            ChangeOutcome::Stale
        })
    }

    async fn changes_of(&self, account: &AccountId, limit: i32) -> Result<Vec<Versioned<SubjectChange>>> {
        let partition = ("list_pk", keys::owned_flows(crate::domain::flow::FlowKind::SubjectChange, account));
        self.query_flows("by-owner", partition, false, limit).await
    }

    async fn complete_name_change(
        &self,
        id: &FlowId,
        change: &SubjectChange,
        stale: Option<&FlowId>,
        uscc: &Uscc,
        new_name: &str,
        now: DateTime<Utc>,
    ) -> Result<ChangeOutcome> {
        let tx = Tx::new()
            .put(OpenChange::OnePerAccount, self.change_guard_put(id, change, stale)?)
            .item(OpenChange::Write, self.new_flow_put(flow_item(id, change)?)?)
            .update(OpenChange::Enterprise, self.rename_enterprise(&change.account_id, uscc, new_name, now)?);
        Ok(match self.commit(tx).await? {
            Ok(()) => ChangeOutcome::Applied,
            Err(cancelled) if cancelled.failed(OpenChange::OnePerAccount) => ChangeOutcome::AlreadyOpen,
            Err(cancelled) if cancelled.failed(OpenChange::Enterprise) => ChangeOutcome::AccountChanged,
            Err(_) => ChangeOutcome::Stale,
        })
    }
}
