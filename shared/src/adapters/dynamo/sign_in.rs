use super::accounts::CredentialItem;
use super::{cancelled_items, fault, get_n, get_s, keys, n, s, store_fault, DynamoStore, Item};
use crate::domain::ids::AccountId;
use crate::domain::login::{CredentialRef, LoginName};
use crate::domain::throttle::{locked_for, FailureWindow, Throttle};
use crate::error::{Error, Result};
use crate::ports::{Credential, Full, Settle, SignInStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};

/// A failure window as stored (a refund may have taken the count below zero: read as none).
pub(crate) fn failure_window(item: &Item) -> Option<FailureWindow> {
    Some(FailureWindow {
        failures: u32::try_from(get_n(item, "failures").unwrap_or(0)).unwrap_or(0),
        window_end: DateTime::from_timestamp(get_n(item, "window_end")?, 0)?,
    })
}

/// Lost races tolerated while counting one failure (each means another failure was counted).
const MAX_RACES: usize = 8;

impl DynamoStore {
    /// The credential a login-name item stands for: itself (a cloud username), or for an alias
    /// (a passport account's phone, email or username) the passport credential it points to, one
    /// more read.
    async fn resolve_credential(&self, name: &LoginName, item: Option<Item>) -> Result<Option<Credential>> {
        let Some(mut item) = item else { return Ok(None) };
        let credential = match (name, get_s(&item, "alias_of_account")) {
            (_, Some(account)) => {
                let target = CredentialRef::Passport(AccountId::from_raw(account));
                let read = self.get(&self.tables.accounts, keys::credential(&target), "read aliased credential");
                let Some(found) = read.await? else { return Ok(None) };
                item = found;
                target
            }
            (LoginName::Cloud(username), None) => CredentialRef::Cloud(username.clone()),
            (LoginName::SubUser(main, name), None) => CredentialRef::SubUser(main.clone(), name.clone()),
            (_, None) => return Ok(None),
        };
        let c: CredentialItem = serde_dynamo::from_item(item).map_err(fault("decode credential"))?;
        Ok(c.active().then(|| Credential {
            credential,
            account_id: c.account_id,
            password_hash: c.password_hash.into(),
            idle_timeout_secs: c.idle_timeout_secs,
            login_protection: c.login_protection,
            login_factors: c.login_factors,
            totp_bound: c.totp.is_some(),
            activated: c.activated,
            session_generation: c.session_generation,
        }))
    }

    /// The write that settles a reserved try (alone, or in the transaction of a new session).
    pub(crate) fn settle_item(&self, settle: &Settle, now: DateTime<Utc>) -> Result<TransactWriteItem> {
        Ok(match settle {
            Settle::Clear(t) => TransactWriteItem::builder()
                .delete(
                    Delete::builder()
                        .table_name(&self.tables.flows)
                        .key("pk", s(keys::throttle(t)))
                        .build()
                        .map_err(fault("build clear window"))?,
                )
                .build(),
            Settle::Refund(t) => TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(&self.tables.flows)
                        .key("pk", s(keys::throttle(t)))
                        .update_expression("SET window_end = if_not_exists(window_end, :now) ADD failures :minus")
                        .expression_attribute_values(":now", n(now.timestamp()))
                        .expression_attribute_values(":minus", n(-1))
                        .build()
                        .map_err(fault("build refund try"))?,
                )
                .build(),
        })
    }

    fn reserve_item(
        &self,
        throttle: &Throttle,
        cap: u32,
        now: DateTime<Utc>,
        length: Duration,
    ) -> Result<TransactWriteItem> {
        let end = now + length;
        let update = Update::builder()
            .table_name(&self.tables.flows)
            .key("pk", s(keys::throttle(throttle)))
            .update_expression(
                "SET window_end = if_not_exists(window_end, :end), #ttl = if_not_exists(#ttl, :ttl) ADD failures :one",
            )
            .condition_expression("attribute_not_exists(pk) OR (window_end > :now AND failures < :cap)")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":end", n(end.timestamp()))
            .expression_attribute_values(":ttl", n((end + Duration::days(1)).timestamp()))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":cap", n(cap.into()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(fault("build reserve try"))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Replaces a window that ended (or never had an end) with an empty one; `false` if another
    /// request did so first.
    async fn reopen(&self, throttle: &Throttle, now: DateTime<Utc>, length: Duration) -> Result<bool> {
        let end = now + length;
        let put = Put::builder()
            .table_name(&self.tables.flows)
            .item("pk", s(keys::throttle(throttle)))
            .item("failures", n(0))
            .item("window_end", n(end.timestamp()))
            .item("ttl", n((end + Duration::days(1)).timestamp()))
            .condition_expression("attribute_not_exists(window_end) OR window_end <= :now")
            .expression_attribute_values(":now", n(now.timestamp()))
            .build()
            .map_err(fault("build reopen failure window"))?;
        self.send_put(put, "reopen failure window").await
    }
}

#[async_trait]
impl SignInStore for DynamoStore {
    async fn reserve(
        &self,
        windows: &[(&Throttle, u32)],
        now: DateTime<Utc>,
        length: Duration,
    ) -> Result<std::result::Result<(), Full>> {
        for _ in 0..MAX_RACES {
            let mut request = self.client.transact_write_items();
            for (throttle, cap) in windows {
                request = request.transact_items(self.reserve_item(throttle, *cap, now, length)?);
            }
            let Err(err) = request.send().await else { return Ok(Ok(())) };
            let reasons = cancelled_items(err)?;
            let mut locked: Option<u64> = None;
            let mut full = vec![];
            let mut ended = vec![];
            for (index, (throttle, cap)) in windows.iter().enumerate() {
                let Some(old) = reasons.get(index).cloned().flatten() else { continue };
                match locked_for(old.as_ref().and_then(failure_window), *cap, now) {
                    Some(wait) => {
                        locked = Some(locked.map_or(wait, |w| w.max(wait)));
                        full.push(index);
                    }
                    None => ended.push(*throttle),
                }
            }
            if let Some(retry_after_secs) = locked {
                return Ok(Err(Full { windows: full, retry_after_secs }));
            }
            for throttle in ended {
                self.reopen(throttle, now, length).await?;
            }
        }
        Err(Error::busy("reserve sign-in try", "too many concurrent writes"))
    }

    async fn settle(&self, settle: &[Settle], now: DateTime<Utc>) -> Result<()> {
        if settle.is_empty() {
            return Ok(());
        }
        let mut request = self.client.transact_write_items();
        for item in settle {
            request = request.transact_items(self.settle_item(item, now)?);
        }
        request.send().await.map_err(store_fault("settle tries"))?;
        Ok(())
    }

    async fn credential(&self, name: &LoginName) -> Result<Option<Credential>> {
        let item = self.get(&self.tables.accounts, keys::login(name), "read credential").await?;
        self.resolve_credential(name, item).await
    }
}
