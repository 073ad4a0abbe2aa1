use super::accounts::CredentialItem;
use super::{fault, get_n, get_s, keys, n, s, DynamoStore, Item};
use crate::domain::ids::AccountId;
use crate::domain::login::{CredentialRef, LoginName};
use crate::domain::throttle::{FailureWindow, Throttle};
use crate::error::{Error, Result};
use crate::ports::{Credential, SignInFacts, SignInStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::KeysAndAttributes;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// Lost races tolerated while counting one failure (each means another failure was counted).
const MAX_RACES: usize = 8;

fn window(item: &Item) -> Option<FailureWindow> {
    Some(FailureWindow {
        failures: u32::try_from(get_n(item, "failures")?).ok()?,
        window_end: DateTime::from_timestamp(get_n(item, "window_end")?, 0)?,
    })
}

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
            (_, None) => return Ok(None),
        };
        let c: CredentialItem = serde_dynamo::from_item(item).map_err(fault("decode credential"))?;
        Ok(c.active().then(|| Credential {
            credential,
            account_id: c.account_id,
            password_hash: c.password_hash.into(),
            idle_timeout_secs: c.idle_timeout_secs,
            login_protection: c.login_protection,
            totp_bound: c.totp.is_some(),
            activated: c.activated,
        }))
    }

    async fn count_failure(&self, throttle: &Throttle, now: DateTime<Utc>, length: Duration) -> Result<()> {
        let pk = s(keys::throttle(throttle));
        // A concurrent request may open the new window between our two writes: then count again.
        for _ in 0..MAX_RACES {
            let add = self
                .client
                .update_item()
                .table_name(&self.tables.flows)
                .key("pk", pk.clone())
                .update_expression("ADD failures :one")
                .condition_expression("window_end > :now")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":now", n(now.timestamp()))
                .send()
                .await;
            match add {
                Ok(_) => return Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                Err(e) => return Err(crate::Error::internal("count sign-in failure", e)),
            }
            let end = now + length;
            let open = self
                .client
                .put_item()
                .table_name(&self.tables.flows)
                .item("pk", pk.clone())
                .item("failures", n(1))
                .item("window_end", n(end.timestamp()))
                .item("ttl", n((end + Duration::days(1)).timestamp()))
                .condition_expression("attribute_not_exists(pk) OR window_end <= :now")
                .expression_attribute_values(":now", n(now.timestamp()))
                .send()
                .await;
            match open {
                Ok(_) => return Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                Err(e) => return Err(crate::Error::internal("open sign-in failure window", e)),
            }
        }
        Err(Error::internal("count sign-in failure", "too many concurrent writes"))
    }
}

#[async_trait]
impl SignInStore for DynamoStore {
    async fn facts(&self, name: &LoginName, username: &Throttle, source: &Throttle) -> Result<SignInFacts> {
        let (name_key, username_key, source_key) =
            (keys::login(name), keys::throttle(username), keys::throttle(source));
        let key = |pk: String| HashMap::from([("pk".to_string(), s(pk))]);
        let mut request = HashMap::from([
            (
                self.tables.accounts.clone(),
                KeysAndAttributes::builder()
                    .keys(key(name_key.clone()))
                    .consistent_read(true)
                    .build()
                    .map_err(fault("build keys"))?,
            ),
            (
                self.tables.flows.clone(),
                KeysAndAttributes::builder()
                    .keys(key(username_key.clone()))
                    .keys(key(source_key.clone()))
                    .consistent_read(true)
                    .build()
                    .map_err(fault("build keys"))?,
            ),
        ]);
        let mut items: Vec<Item> = Vec::new();
        let mut complete = false;
        for _ in 0..5 {
            let out = self
                .client
                .batch_get_item()
                .set_request_items(Some(request))
                .send()
                .await
                .map_err(fault("read sign-in facts"))?;
            for (_, found) in out.responses.unwrap_or_default() {
                items.extend(found);
            }
            match out.unprocessed_keys {
                Some(rest) if !rest.is_empty() => request = rest,
                _ => {
                    complete = true;
                    break;
                }
            }
        }
        if !complete {
            // A lock must never be skipped because its window was not read.
            return Err(Error::internal("read sign-in facts", "keys left unprocessed after 5 tries"));
        }
        let mut facts = SignInFacts::default();
        let mut credential_item = None;
        for item in items {
            let Some(pk) = get_s(&item, "pk").map(str::to_owned) else {
                continue;
            };
            if pk == name_key {
                credential_item = Some(item);
            } else if pk == username_key {
                facts.username_window = window(&item);
            } else if pk == source_key {
                facts.source_window = window(&item);
            }
        }
        facts.credential = self.resolve_credential(name, credential_item).await?;
        Ok(facts)
    }

    async fn record_failure(&self, throttles: &[&Throttle], now: DateTime<Utc>, window: Duration) -> Result<()> {
        let results = futures::future::join_all(throttles.iter().map(|t| self.count_failure(t, now, window))).await;
        results.into_iter().collect()
    }

    async fn window(&self, throttle: &Throttle) -> Result<Option<FailureWindow>> {
        let item = self.get(&self.tables.flows, keys::throttle(throttle), "read failure window").await?;
        Ok(item.as_ref().and_then(window))
    }

    async fn credential(&self, name: &LoginName) -> Result<Option<Credential>> {
        let item = self.get(&self.tables.accounts, keys::login(name), "read credential").await?;
        self.resolve_credential(name, item).await
    }
}
