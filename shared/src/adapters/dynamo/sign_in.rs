use super::accounts::{login_key, CredentialItem};
use super::{fault, get_n, get_s, n, s, DynamoStore, Item};
use crate::domain::throttle::FailureWindow;
use crate::error::Result;
use crate::ports::{Credential, SignInFacts, SignInStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::KeysAndAttributes;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

pub(crate) fn throttle_key(key: &str) -> String {
    format!("THROTTLE#{key}")
}

fn window(item: &Item) -> Option<FailureWindow> {
    Some(FailureWindow {
        failures: get_n(item, "failures")? as u32,
        window_end: DateTime::from_timestamp(get_n(item, "window_end")?, 0)?,
    })
}

impl DynamoStore {
    /// The credential a login-name item stands for: itself, or for an alias (a passport
    /// account's phone or email) the credential it points to, one more read.
    async fn resolve_credential(&self, name_key: &str, item: Option<Item>) -> Result<Option<Credential>> {
        let mut item = item;
        let mut key = name_key.to_owned();
        if let Some(target) = item.as_ref().and_then(|i| get_s(i, "alias_of")).map(str::to_owned) {
            item = self.get(&self.tables.accounts, login_key(&target), "read aliased credential").await?;
            key = target;
        }
        let Some(item) = item else { return Ok(None) };
        let c: CredentialItem = serde_dynamo::from_item(item).map_err(fault("decode credential"))?;
        Ok((c.status == "active").then(|| Credential {
            login_key: key,
            account_id: c.account_id,
            password_hash: c.password_hash,
            idle_timeout_secs: c.idle_timeout_secs,
            login_protection: c.login_protection,
            totp_bound: c.totp.is_some(),
            activated: c.activated,
        }))
    }

    async fn count_failure(&self, key: &str, now: DateTime<Utc>, length: Duration) -> Result<()> {
        let pk = s(throttle_key(key));
        // Two tries: a concurrent request may open the new window between our two writes.
        for _ in 0..2 {
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
        Ok(())
    }
}

#[async_trait]
impl SignInStore for DynamoStore {
    async fn facts(&self, username_key: &str, username_throttle: &str, source_throttle: &str) -> Result<SignInFacts> {
        let key = |pk: String| HashMap::from([("pk".to_string(), s(pk))]);
        let mut request = HashMap::from([
            (
                self.tables.accounts.clone(),
                KeysAndAttributes::builder()
                    .keys(key(login_key(username_key)))
                    .consistent_read(true)
                    .build()
                    .map_err(fault("build keys"))?,
            ),
            (
                self.tables.flows.clone(),
                KeysAndAttributes::builder()
                    .keys(key(throttle_key(username_throttle)))
                    .keys(key(throttle_key(source_throttle)))
                    .consistent_read(true)
                    .build()
                    .map_err(fault("build keys"))?,
            ),
        ]);
        let mut items: Vec<Item> = Vec::new();
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
                _ => break,
            }
        }
        let mut facts = SignInFacts::default();
        let mut credential_item = None;
        for item in items {
            let Some(pk) = get_s(&item, "pk").map(str::to_owned) else {
                continue;
            };
            if pk == login_key(username_key) {
                credential_item = Some(item);
            } else if pk == throttle_key(username_throttle) {
                facts.username_window = window(&item);
            } else if pk == throttle_key(source_throttle) {
                facts.source_window = window(&item);
            }
        }
        facts.credential = self.resolve_credential(username_key, credential_item).await?;
        Ok(facts)
    }

    async fn record_failure(&self, throttle_keys: &[&str], now: DateTime<Utc>, window: Duration) -> Result<()> {
        let results = futures::future::join_all(throttle_keys.iter().map(|k| self.count_failure(k, now, window))).await;
        results.into_iter().collect()
    }

    async fn window(&self, key: &str) -> Result<Option<FailureWindow>> {
        let item = self.get(&self.tables.flows, throttle_key(key), "read failure window").await?;
        Ok(item.as_ref().and_then(window))
    }

    async fn credential(&self, name_key: &str) -> Result<Option<Credential>> {
        let item = self.get(&self.tables.accounts, login_key(name_key), "read credential").await?;
        self.resolve_credential(name_key, item).await
    }
}
