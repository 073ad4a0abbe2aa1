use super::accounts::CredentialItem;
use super::{busy, fault, get_n, get_s, keys, n, s, store_fault, DynamoStore, Item};
use crate::domain::ids::AccountId;
use crate::domain::login::{CredentialRef, LoginName};
use crate::domain::security::Means;
use crate::domain::throttle::{locked_for, FailureWindow, Throttle};
use crate::error::{Error, Result};
use crate::ports::{Credential, Full, Settle, SignInStore, TryToken};
use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};

/// A failure window as stored (a refund may have taken the count below zero: read as none).
pub(crate) fn failure_window(item: &Item) -> Option<FailureWindow> {
    Some(FailureWindow {
        failures: u32::try_from(get_n(item, "failures").unwrap_or(0)).unwrap_or(0),
        window_end: DateTime::from_timestamp(get_n(item, "window_end")?, 0)?,
    })
}

/// Windows that ended and were opened anew while one try was counted (each time by another
/// request) before the store is called too busy.
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
        let passkeys = item.get("passkey_ids").and_then(|v| v.as_ss().ok()).map_or(0, Vec::len);
        let c: CredentialItem = serde_dynamo::from_item(item).map_err(fault("decode credential"))?;
        Ok(c.active().then(|| Credential {
            credential,
            account_id: c.account_id,
            password_hash: c.password_hash.into(),
            idle_timeout_secs: c.idle_timeout_secs,
            login_protection: c.login_protection,
            login_factors: c.login_factors,
            means: Means { totp_bound: c.totp.is_some(), passkey: passkeys > 0 },
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
            Settle::Refund(t, token) => TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(&self.tables.flows)
                        .key("pk", s(keys::throttle(t)))
                        .update_expression(
                            "SET window_end = if_not_exists(window_end, :now) ADD failures :minus DELETE tries :mine",
                        )
                        .expression_attribute_values(":now", n(now.timestamp()))
                        .expression_attribute_values(":minus", n(-1))
                        .expression_attribute_values(":mine", AttributeValue::Ss(vec![token.0.clone()]))
                        .build()
                        .map_err(fault("build refund try"))?,
                )
                .build(),
        })
    }

    /// Counts one try in a window (a plain conditional update: updates of one item do not
    /// conflict with each other as transactions do, so a burst at one window is served one by
    /// one instead of cancelling itself). The request's token goes into the window's `tries`, so
    /// the SDK's second sending after a lost answer is refused by it and known as its own.
    async fn take_try(
        &self,
        throttle: &Throttle,
        cap: u32,
        token: &TryToken,
        now: DateTime<Utc>,
        length: Duration,
    ) -> Result<Taken> {
        for _ in 0..MAX_RACES {
            let end = now + length;
            let sent = self
                .client
                .update_item()
                .table_name(&self.tables.flows)
                .key("pk", s(keys::throttle(throttle)))
                .update_expression(
                    "SET window_end = if_not_exists(window_end, :end), #ttl = if_not_exists(#ttl, :ttl) \
                     ADD failures :one, tries :mine",
                )
                .condition_expression(
                    "(attribute_not_exists(pk) OR (window_end > :now AND failures < :cap)) AND NOT contains(tries, :token)",
                )
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":end", n(end.timestamp()))
                .expression_attribute_values(":ttl", n((end + Duration::days(1)).timestamp()))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":mine", AttributeValue::Ss(vec![token.0.clone()]))
                .expression_attribute_values(":token", s(token.0.clone()))
                .expression_attribute_values(":now", n(now.timestamp()))
                .expression_attribute_values(":cap", n(cap.into()))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .send()
                .await;
            let old = match sent {
                Ok(_) => return Ok(Taken::Yes),
                Err(e) => match e.into_service_error() {
                    UpdateItemError::ConditionalCheckFailedException(refused) => refused.item,
                    other => return Err(busy::store_error("reserve sign-in try", other)),
                },
            };
            if old.as_ref().is_some_and(|item| holds(item, token)) {
                return Ok(Taken::Yes);
            }
            if let Some(wait) = locked_for(old.as_ref().and_then(failure_window), cap, now) {
                return Ok(Taken::Full(wait));
            }
            self.reopen(throttle, now, length).await?;
        }
        Err(Error::busy("reserve sign-in try", "the window kept ending and opening"))
    }

    /// Gives back a try this request took (once: the token must still be in the window).
    async fn give_back(&self, throttle: &Throttle, token: &TryToken) -> Result<()> {
        let sent = self
            .client
            .update_item()
            .table_name(&self.tables.flows)
            .key("pk", s(keys::throttle(throttle)))
            .update_expression("ADD failures :minus DELETE tries :mine")
            .condition_expression("contains(tries, :token)")
            .expression_attribute_values(":minus", n(-1))
            .expression_attribute_values(":mine", AttributeValue::Ss(vec![token.0.clone()]))
            .expression_attribute_values(":token", s(token.0.clone()))
            .send()
            .await;
        match sent.map_err(|e| e.into_service_error()) {
            Ok(_) | Err(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(()),
            Err(other) => Err(busy::store_error("give back sign-in try", other)),
        }
    }

    /// Replaces a window that ended (or never had an end) with an empty one; `false` if another
    /// request did so first (or this one did, and its answer was lost).
    async fn reopen(&self, throttle: &Throttle, now: DateTime<Utc>, length: Duration) -> Result<bool> {
        let end = now + length;
        let sent = self
            .client
            .put_item()
            .table_name(&self.tables.flows)
            .item("pk", s(keys::throttle(throttle)))
            .item("failures", n(0))
            .item("window_end", n(end.timestamp()))
            .item("ttl", n((end + Duration::days(1)).timestamp()))
            .condition_expression("attribute_not_exists(window_end) OR window_end <= :now")
            .expression_attribute_values(":now", n(now.timestamp()))
            .send()
            .await;
        match sent.map_err(|e| e.into_service_error()) {
            Ok(_) => Ok(true),
            Err(PutItemError::ConditionalCheckFailedException(_)) => Ok(false),
            Err(other) => Err(busy::store_error("reopen failure window", other)),
        }
    }
}

/// What counting a try in one window came to.
enum Taken {
    Yes,
    /// The window is full: the seconds until it ends.
    Full(u64),
}

/// Whether a window counted the request that holds `token`.
fn holds(item: &Item, token: &TryToken) -> bool {
    item.get("tries").and_then(|t| t.as_ss().ok()).is_some_and(|tries| tries.contains(&token.0))
}

#[async_trait]
impl SignInStore for DynamoStore {
    async fn reserve(
        &self,
        windows: &[(&Throttle, u32)],
        now: DateTime<Utc>,
        length: Duration,
    ) -> Result<std::result::Result<TryToken, Full>> {
        let token = TryToken(format!("{:032x}", rand::random::<u128>()));
        let Some(((last, last_cap), first)) = windows.split_last() else { return Ok(Ok(token)) };
        // The wider windows in parallel, then the narrowest: a burst at one name is refused
        // there, after the others' tries were taken, and gives them back.
        let taken = futures::future::join_all(
            first.iter().map(|(throttle, cap)| self.take_try(throttle, *cap, &token, now, length)),
        )
        .await;
        let mut held: Vec<&Throttle> = vec![];
        let mut outcome: Result<std::result::Result<(), Full>> = Ok(Ok(()));
        for (index, ((throttle, _), result)) in first.iter().zip(taken).enumerate() {
            match result {
                Ok(Taken::Yes) => held.push(throttle),
                Ok(Taken::Full(wait)) if matches!(outcome, Ok(Ok(()))) => {
                    outcome = Ok(Err(Full { windows: vec![index], retry_after_secs: wait }));
                }
                Ok(Taken::Full(_)) => {}
                Err(e) if outcome.is_ok() => outcome = Err(e),
                Err(_) => {}
            }
        }
        if matches!(outcome, Ok(Ok(()))) {
            outcome = match self.take_try(last, *last_cap, &token, now, length).await {
                Ok(Taken::Yes) => return Ok(Ok(token)),
                Ok(Taken::Full(wait)) => Ok(Err(Full { windows: vec![first.len()], retry_after_secs: wait })),
                Err(e) => Err(e),
            };
        }
        let given_back = futures::future::join_all(held.iter().map(|throttle| self.give_back(throttle, &token))).await;
        given_back.into_iter().collect::<Result<Vec<()>>>()?;
        outcome.map(|refused| refused.map(|()| token))
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
