//! A step's one read (`BatchGetItem`, strongly consistent) and one write (`TransactWriteItems`),
//! built from the same pieces the single-purpose stores use [issue 15].

use super::codes::{count_code_try_update, stored_code, use_code_update};
use super::flows::flow_item;
use super::security::security_record;
use super::sign_in::failure_window;
use super::tx::Tx;
use super::{accounts::account_record, fault, get_n, get_s, keys, n, s, DynamoStore, Item};
use crate::domain::throttle::{FailureWindow, Throttle};
use crate::error::Result;
use crate::ports::{Refused, Snapshot, StepStore, Wanted, Write};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};

fn count(item: Option<&Item>, attribute: &str) -> u32 {
    item.and_then(|i| get_n(i, attribute)).and_then(|a| u32::try_from(a).ok()).unwrap_or(0)
}

impl DynamoStore {
    fn window_not_full(&self, throttle: &Throttle, cap: u32, now: DateTime<Utc>) -> Result<TransactWriteItem> {
        let check = ConditionCheck::builder()
            .table_name(&self.tables.flows)
            .key("pk", s(keys::throttle(throttle)))
            .condition_expression("attribute_not_exists(pk) OR window_end <= :now OR failures < :cap")
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":cap", n(cap.into()))
            .build()
            .map_err(fault("build window check"))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// One more failure in the window as it was read: counted in it while it lasts and is not
    /// full, or the first of a new window.
    fn count_failure(
        &self,
        throttle: &Throttle,
        cap: u32,
        seen: Option<FailureWindow>,
        now: DateTime<Utc>,
        length: Duration,
    ) -> Result<TransactWriteItem> {
        let key = s(keys::throttle(throttle));
        if let Some(w) = seen.filter(|w| w.window_end > now) {
            let update = Update::builder()
                .table_name(&self.tables.flows)
                .key("pk", key)
                .update_expression("ADD failures :one")
                .condition_expression("window_end = :end AND failures < :cap")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":end", n(w.window_end.timestamp()))
                .expression_attribute_values(":cap", n(cap.into()))
                .build()
                .map_err(fault("build count failure"))?;
            return Ok(TransactWriteItem::builder().update(update).build());
        }
        let end = now + length;
        let put = Put::builder()
            .table_name(&self.tables.flows)
            .item("pk", key)
            .item("failures", n(1))
            .item("window_end", n(end.timestamp()))
            .item("ttl", n((end + Duration::days(1)).timestamp()));
        let put = match seen {
            Some(ended) => put
                .condition_expression("window_end = :end")
                .expression_attribute_values(":end", n(ended.window_end.timestamp())),
            None => put.condition_expression("attribute_not_exists(pk) OR attribute_not_exists(window_end)"),
        };
        Ok(TransactWriteItem::builder().put(put.build().map_err(fault("build open window"))?).build())
    }

    fn count_bank_card_attempt(&self, account_id: &crate::domain::ids::AccountId, seen: u32) -> Result<Update> {
        let condition =
            if seen == 0 { "attribute_not_exists(attempts) OR attempts = :seen" } else { "attempts = :seen" };
        Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::bank_card_attempts(account_id)))
            .update_expression("ADD attempts :one")
            .condition_expression(condition)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":seen", n(seen.into()))
            .build()
            .map_err(fault("build count bank-card attempt"))
    }

    fn step_item(&self, write: &Write<'_>) -> Result<TransactWriteItem> {
        let update = |u: Update| TransactWriteItem::builder().update(u).build();
        let put = |p: Put| TransactWriteItem::builder().put(p).build();
        Ok(match write {
            Write::UseCode(proof) => update(use_code_update(&self.tables.flows, proof)?),
            Write::CountCodeTry { challenge_id, max } => {
                update(count_code_try_update(&self.tables.flows, challenge_id, *max)?)
            }
            Write::WindowNotFull { throttle, cap, now } => self.window_not_full(throttle, *cap, *now)?,
            Write::CountFailure { throttle, cap, seen, now, length } => {
                self.count_failure(throttle, *cap, *seen, *now, *length)?
            }
            Write::Settle(settle, now) => self.settle_item(settle, *now)?,
            Write::Security { credential, account_id, change } => {
                update(self.security_update(credential, account_id, change.clone())?)
            }
            Write::GrantStepUp { session_id, account_id, until } => {
                update(self.step_up_update(session_id, account_id, *until)?)
            }
            Write::CreateSession(session) => put(self.session_put(session)?),
            Write::SignIn(current, next) => update(self.flow_transition(current, next)?),
            Write::QrTicket(current, next) => update(self.flow_transition(current, next)?),
            Write::NewSignIn(id, flow) => put(Put::builder()
                .table_name(&self.tables.flows)
                .set_item(Some(flow_item(id, *flow)?))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(fault("build new sign-in"))?),
            Write::CountBankCardAttempt { account_id, seen } => {
                update(self.count_bank_card_attempt(account_id, *seen)?)
            }
        })
    }
}

#[async_trait]
impl StepStore for DynamoStore {
    async fn read(&self, wanted: &Wanted<'_>) -> Result<Snapshot> {
        let (accounts, flows) = (self.tables.accounts.as_str(), self.tables.flows.as_str());
        let security = wanted.security.map(|c| (accounts, keys::credential(c)));
        let account = wanted.account.map(|a| (accounts, keys::account(a)));
        let code = wanted.code.map(|c| (flows, keys::code(c)));
        let window = wanted.window.map(|t| (flows, keys::throttle(t)));
        let attempts = wanted.bank_card_attempts.map(|a| (accounts, keys::bank_card_attempts(a)));
        let document = wanted.document.map(|d| (accounts, keys::document(d)));
        let keys: Vec<(&str, String)> =
            [&security, &account, &code, &window, &attempts, &document].into_iter().flatten().cloned().collect();
        if keys.is_empty() {
            return Ok(Snapshot::default());
        }
        let items = self.batch_get(&keys, "read a step's items").await?;
        let find = |key: &Option<(&str, String)>| {
            key.as_ref().and_then(|(_, pk)| items.iter().find(|i| get_s(i, "pk") == Some(pk.as_str())))
        };
        Ok(Snapshot {
            security: find(&security).cloned().map(security_record).transpose()?.flatten(),
            account: find(&account).cloned().map(account_record).transpose()?,
            code: find(&code).map(stored_code),
            window: find(&window).and_then(failure_window),
            bank_card_attempts: count(find(&attempts), "attempts"),
            document_accounts: count(find(&document), "accounts"),
        })
    }

    async fn write(&self, writes: &[Write<'_>]) -> Result<std::result::Result<(), Refused>> {
        // Even a write alone goes as a transaction: a retry after a lost answer is answered with
        // the first result (a code this request used is still its own), see `busy`.
        // Each write is guarded by its position in `writes`: the port's `Refused` names the
        // refused writes by it.
        let mut tx = Tx::new();
        for (at, write) in writes.iter().enumerate() {
            tx = tx.item(at, self.step_item(write)?);
        }
        Ok(match self.commit(tx).await? {
            Ok(()) => Ok(()),
            Err(cancelled) => Err(Refused((0..writes.len()).filter(|at| cancelled.failed(*at)).collect())),
        })
    }
}
