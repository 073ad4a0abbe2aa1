//! Enterprise verification's items: attempt counters per method, the application's settling
//! transaction (its transition with the account's verification, the review case, the face
//! session, the balance's credit), the receiving accounts and the ledger of inbound transfers.

use super::flows::flow_item;
use super::tx::Tx;
use super::{fault, get_n, get_s, keys, n, s, DynamoStore, Item};
use crate::domain::enterprise::application::EnterpriseApplication;
use crate::domain::enterprise::money::Fen;
use crate::domain::enterprise::{EnterpriseIdentity, Method};
use crate::domain::flow::{Flow, FlowKind, Versioned};
use crate::domain::ids::{AccountId, FlowId};
use crate::error::{Error, Result};
use crate::ports::{EnterpriseEffect, EnterpriseStore, ReceivingAccount, SettleOutcome};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The guards of an application's settling transaction.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Settle {
    /// The application as read.
    Transition,
    /// The account as the effect found it: still unverified (a verification), or naming the
    /// person or the organisation being replaced (a replacement).
    Account,
    /// One open case of a kind per account (the kind's guard item is absent).
    CaseGuard,
    /// Any other item as read: the face session, the change and the old document of a
    /// replacement, the account credited, the recharge still open, the new case's fresh id.
    Other,
    /// The transfer is not in the ledger yet.
    Ledger,
}

/// The guards of opening an application.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum OpenApplication {
    /// One open application of its kind per account (a transfer's guard, a recharge's pointer).
    OnePerKind,
    /// The account exists and is active (not being deleted) [DEL-1].
    AccountLive,
    /// The application under a fresh id.
    Write,
}

/// The guards of a new receiving account.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Receiving {
    /// The account has none yet.
    Own,
    /// The number is not taken.
    Number,
}

impl DynamoStore {
    pub(crate) fn verify_enterprise(&self, account: &AccountId, identity: &EnterpriseIdentity) -> Result<Update> {
        self.account_update(account, Some(identity), None)
    }

    /// The account's one update of a transaction (DynamoDB takes one operation per item): marks
    /// it enterprise-verified (only if still unverified) and/or credits its balance.
    fn account_update(
        &self,
        account: &AccountId,
        verify: Option<&EnterpriseIdentity>,
        credit: Option<(Fen, &str)>,
    ) -> Result<Update> {
        let mut update = Update::builder().table_name(&self.tables.accounts).key("pk", s(keys::account(account)));
        let mut expression = String::new();
        if let Some(identity) = verify {
            expression.push_str("SET verification = :enterprise, enterprise = :identity ");
            update = update
                .condition_expression("attribute_exists(pk) AND verification = :unverified")
                .expression_attribute_values(":enterprise", s("enterprise"))
                .expression_attribute_values(":unverified", s("unverified"))
                .expression_attribute_values(
                    ":identity",
                    serde_dynamo::to_attribute_value(identity).map_err(fault("encode enterprise identity"))?,
                );
        } else {
            update = update.condition_expression("attribute_exists(pk)");
        }
        if let Some((amount, transfer_id)) = credit {
            // The account names its ledger entries, so that deleting it erases them [DEL-3].
            expression.push_str("ADD balance_fen :amount, ledger_entries :transfer");
            update = update
                .expression_attribute_values(":amount", n(i64::try_from(amount.0).map_err(fault("amount"))?))
                .expression_attribute_values(":transfer", AttributeValue::Ss(vec![transfer_id.to_owned()]));
        }
        update.update_expression(expression.trim()).build().map_err(fault("build account update"))
    }

    /// The items an effect writes, added to the settling transaction.
    fn effect_items(
        &self,
        tx: Tx<Settle>,
        account: &AccountId,
        effect: &EnterpriseEffect,
        effects: &[EnterpriseEffect],
    ) -> Result<Tx<Settle>> {
        Ok(match effect {
            EnterpriseEffect::Verify(identity) => {
                let credit = effects.iter().find_map(|e| match e {
                    EnterpriseEffect::Credit { amount, transfer_id, .. } => Some((*amount, transfer_id.as_str())),
                    _ => None,
                });
                tx.update(Settle::Account, self.account_update(account, Some(identity), credit)?)
            }
            EnterpriseEffect::Replace { identity, replaced, change } => self
                .replace_updates(account, identity, replaced, change)?
                .into_iter()
                .enumerate()
                .fold(tx, |tx, (i, u)| tx.update(if i == 0 { Settle::Account } else { Settle::Other }, u)),
            EnterpriseEffect::OpenCase(id, case) => {
                let [guard, case] = self.open_case_items(id, case)?;
                tx.item(Settle::CaseGuard, guard).item(Settle::Other, case)
            }
            EnterpriseEffect::Face(current, next) => tx.update(Settle::Other, self.flow_transition(current, next)?),
            EnterpriseEffect::Credit { transfer_id, amount, amount_encrypted, at } => {
                let entry: Item = [
                    ("pk", s(keys::ledger_entry(transfer_id))),
                    ("account_id", s(account.as_str())),
                    ("kind", s("recharge")),
                    ("amount_encrypted", s(amount_encrypted.as_str())),
                    ("at", s(at.to_rfc3339())),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
                let put = Put::builder()
                    .table_name(&self.tables.accounts)
                    .set_item(Some(entry))
                    .condition_expression("attribute_not_exists(pk)")
                    .build()
                    .map_err(fault("build ledger entry"))?;
                let mut tx = tx.put(Settle::Ledger, put);
                // With a verification, the account's one update credits it too.
                if !effects.iter().any(|e| matches!(e, EnterpriseEffect::Verify(_))) {
                    let credit = self.account_update(account, None, Some((*amount, transfer_id.as_str())))?;
                    tx = tx.update(Settle::Other, credit);
                }
                tx
            }
            EnterpriseEffect::CloseRecharge(application) => {
                let close = Update::builder()
                    .table_name(&self.tables.accounts)
                    .key("pk", s(keys::receiving_account(account)))
                    .update_expression("REMOVE open_application, open_until")
                    .condition_expression("open_application = :app")
                    .expression_attribute_values(":app", s(application.as_str()))
                    .build()
                    .map_err(fault("build close recharge"))?;
                tx.update(Settle::Other, close)
            }
        })
    }
}

#[async_trait]
impl EnterpriseStore for DynamoStore {
    async fn attempts(&self, account: &AccountId) -> Result<BTreeMap<Method, u32>> {
        let reads = Method::ALL.map(|method| async move {
            let item =
                self.get(&self.tables.accounts, keys::enterprise_attempts(method, account), "read attempts").await?;
            let used = item.as_ref().and_then(|i| get_n(i, "attempts")).and_then(|a| u32::try_from(a).ok());
            Ok::<_, Error>((method, used.unwrap_or(0)))
        });
        futures::future::try_join_all(reads).await.map(|all| all.into_iter().collect())
    }

    async fn count_attempt(&self, account: &AccountId, method: Method, max: u32) -> Result<Option<u32>> {
        let condition = "attribute_not_exists(attempts) OR attempts < :max";
        let key = keys::enterprise_attempts(method, account);
        self.count_attempt(&self.tables.accounts, key, condition, max, "count enterprise attempt").await
    }

    async fn give_back_attempt(&self, account: &AccountId, method: Method) -> Result<()> {
        // Once, even when sent again after a lost answer: a transaction (`write_once`).
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::enterprise_attempts(method, account)))
            .update_expression("ADD attempts :minus")
            .condition_expression("attempts > :zero")
            .expression_attribute_values(":minus", n(-1))
            .expression_attribute_values(":zero", n(0))
            .build()
            .map_err(fault("build give back attempt"))?;
        self.send_update(update, "give back enterprise attempt").await?;
        Ok(())
    }

    async fn settle(
        &self,
        account: &AccountId,
        transition: Option<(&Versioned<EnterpriseApplication>, &EnterpriseApplication)>,
        effects: &[EnterpriseEffect],
    ) -> Result<SettleOutcome> {
        let mut tx = Tx::new();
        if let Some((current, next)) = transition {
            tx = tx.update(Settle::Transition, self.flow_transition(current, next)?);
        }
        for effect in effects {
            tx = self.effect_items(tx, account, effect, effects)?;
        }
        let Err(cancelled) = self.commit(tx).await? else { return Ok(SettleOutcome::Applied) };
        let failed = |guard: Settle| cancelled.failed(guard);
        Ok(if failed(Settle::Ledger) {
            SettleOutcome::Duplicate
        } else if failed(Settle::Transition) || failed(Settle::Other) {
            SettleOutcome::Stale
        } else if failed(Settle::Account) {
            SettleOutcome::AlreadyVerified
        } else if failed(Settle::CaseGuard) {
            SettleOutcome::CaseOpen
        } else {
            // A transaction conflict (another write to one of the items at the same moment).
            SettleOutcome::Stale
        })
    }

    async fn applications_of(&self, account: &AccountId, limit: i32) -> Result<Vec<Versioned<EnterpriseApplication>>> {
        let partition = ("list_pk", keys::owned_flows(FlowKind::EnterpriseApplication, account));
        self.query_flows("by-owner", partition, false, limit).await
    }

    async fn receiving_account(&self, account: &AccountId) -> Result<Option<ReceivingAccount>> {
        let item = self.get(&self.tables.accounts, keys::receiving_account(account), "read receiving account").await?;
        item.map(|i| serde_dynamo::from_item(i).map_err(fault("decode receiving account"))).transpose()
    }

    async fn create_receiving_account(&self, account: &AccountId, receiving: &ReceivingAccount) -> Result<bool> {
        let mut own: Item = serde_dynamo::to_item(receiving).map_err(fault("encode receiving account"))?;
        own.insert("pk".into(), s(keys::receiving_account(account)));
        let owner: Item = [
            ("pk".to_owned(), s(keys::receiving_number(&receiving.number_hash))),
            ("account_id".to_owned(), s(account.as_str())),
        ]
        .into_iter()
        .collect();
        let put = |item: Item| {
            Put::builder()
                .table_name(&self.tables.accounts)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(fault("build receiving account"))
        };
        let tx = Tx::new().put(Receiving::Own, put(own)?).put(Receiving::Number, put(owner)?);
        // Either item's condition: the account has one, or (rarely) the number is taken.
        Ok(self.commit(tx).await?.is_ok())
    }

    async fn receiving_account_owner(&self, number_hash: &str) -> Result<Option<(AccountId, Option<FlowId>)>> {
        let owner =
            self.get(&self.tables.accounts, keys::receiving_number(number_hash), "read receiving owner").await?;
        let Some(account) = owner.as_ref().and_then(|i| get_s(i, "account_id")).map(AccountId::from_raw) else {
            return Ok(None);
        };
        let own = self.get(&self.tables.accounts, keys::receiving_account(&account), "read receiving account").await?;
        let open = own.as_ref().and_then(|i| get_s(i, "open_application")).map(FlowId::from_raw);
        Ok(Some((account, open)))
    }

    async fn create_application(&self, id: &FlowId, application: &EnterpriseApplication) -> Result<()> {
        let create = Put::builder()
            .table_name(&self.tables.flows)
            .set_item(Some(flow_item(id, application)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build application"))?;
        let tx = Tx::new()
            .put(OpenApplication::Write, create)
            .item(OpenApplication::AccountLive, self.start_work(&application.account_id)?);
        match self.commit(tx).await? {
            Ok(()) => Ok(()),
            // The account was deleted meanwhile [DEL-1].
            Err(cancelled) if cancelled.failed(OpenApplication::AccountLive) => Err(Error::Unauthenticated),
            Err(_) => Err(Error::internal("create an application", "cancelled without a failed condition")),
        }
    }

    async fn transfer_guard(&self, account: &AccountId) -> Result<Option<FlowId>> {
        let guard = self.get(&self.tables.flows, keys::open_transfer(account), "read transfer guard").await?;
        Ok(guard.as_ref().and_then(|g| get_s(g, "open_application")).map(FlowId::from_raw))
    }

    async fn open_transfer(
        &self,
        id: &FlowId,
        application: &EnterpriseApplication,
        replacing: Option<&FlowId>,
    ) -> Result<bool> {
        let guard = Put::builder()
            .table_name(&self.tables.flows)
            .item("pk", s(keys::open_transfer(&application.account_id)))
            .item("open_application", s(id.as_str()));
        let guard = match replacing {
            Some(ended) => guard
                .condition_expression("open_application = :ended")
                .expression_attribute_values(":ended", s(ended.as_str())),
            None => guard.condition_expression("attribute_not_exists(pk)"),
        };
        let guard = TransactWriteItem::builder().put(guard.build().map_err(fault("build transfer guard"))?).build();
        self.create_guarded(guard, id, application, "open a transfer application").await
    }

    async fn open_recharge(
        &self,
        id: &FlowId,
        application: &EnterpriseApplication,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let until = application.deadline().unwrap_or(now);
        let point = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::receiving_account(&application.account_id)))
            .update_expression("SET open_application = :app, open_until = :until")
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(open_application) OR open_until <= :now)",
            )
            .expression_attribute_values(":app", s(id.as_str()))
            .expression_attribute_values(":until", n(until.timestamp()))
            .expression_attribute_values(":now", n(now.timestamp()))
            .build()
            .map_err(fault("build open recharge"))?;
        self.create_guarded(TransactWriteItem::builder().update(point).build(), id, application, "open a recharge")
            .await
    }
}

impl DynamoStore {
    /// Creates an application with a guard item (`guard`, first) that holds one open application
    /// of its kind per account: `false` when the guard's condition failed.
    async fn create_guarded(
        &self,
        guard: TransactWriteItem,
        id: &FlowId,
        application: &EnterpriseApplication,
        context: &'static str,
    ) -> Result<bool> {
        let create = Put::builder()
            .table_name(&self.tables.flows)
            .set_item(Some(flow_item(id, application)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build application"))?;
        let tx = Tx::new()
            .item(OpenApplication::OnePerKind, guard)
            .put(OpenApplication::Write, create)
            .item(OpenApplication::AccountLive, self.start_work(&application.account_id)?);
        match self.commit(tx).await? {
            Ok(()) => Ok(true),
            Err(cancelled) if cancelled.failed(OpenApplication::OnePerKind) => Ok(false),
            // The account was deleted meanwhile [DEL-1].
            Err(cancelled) if cancelled.failed(OpenApplication::AccountLive) => Err(Error::Unauthenticated),
            Err(_) => Err(Error::internal(context, "cancelled without a failed condition")),
        }
    }
}
