use super::{fault, get_n, get_s, keys, n, s, DynamoStore, Item};
use crate::domain::ids::{AccountId, SessionId};
use crate::error::Result;
use crate::ports::{NewSession, SessionInfo, SessionRecord, SessionStore, Settle};
use crate::tables::SESSIONS;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};
use chrono::{DateTime, Utc};

fn record(item: &Item) -> Option<SessionRecord> {
    Some(SessionRecord {
        session_id: SessionId::from_raw(get_s(item, "session_id")?),
        account_id: AccountId::from_raw(get_s(item, "account_id")?),
        credential: get_s(item, "credential")?.parse().ok()?,
        idle_timeout_secs: get_n(item, "idle_timeout_secs")?,
        step_up_until: get_n(item, "step_up_until").and_then(|t| DateTime::from_timestamp(t, 0)),
        activation_pending: item.get("activation_pending").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
    })
}

fn alive(item: &Item, now: DateTime<Utc>) -> bool {
    let now = now.timestamp();
    get_n(item, "idle_deadline").is_some_and(|t| t > now) && get_n(item, "expires_at").is_some_and(|t| t > now)
}

impl DynamoStore {
    /// The account's session items (all of them, alive or not), newest first.
    async fn sessions_of(&self, account_id: &AccountId) -> Result<Vec<Item>> {
        let index = SESSIONS.indexes[0].name;
        let mut items = vec![];
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.tables.sessions)
                .index_name(index)
                .key_condition_expression("account_id = :a")
                .expression_attribute_values(":a", s(account_id.as_str()))
                .scan_index_forward(false)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(fault("list sessions"))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }
}

#[async_trait]
impl SessionStore for DynamoStore {
    async fn create(&self, session: &NewSession, settle: &[Settle]) -> Result<()> {
        let idle_deadline = session.created_at.timestamp() + session.idle_timeout_secs;
        let item: Item = [
            ("pk", s(keys::session(&session.session_id))),
            ("session_id", s(session.session_id.as_str())),
            ("account_id", s(session.account_id.as_str())),
            ("credential", s(session.credential.to_string())),
            ("method", s(session.method.as_str())),
            ("user_agent", s(&session.user_agent)),
            ("created_at", s(session.created_at.to_rfc3339())),
            ("last_seen_at", s(session.created_at.to_rfc3339())),
            ("idle_timeout_secs", n(session.idle_timeout_secs)),
            ("idle_deadline", n(idle_deadline)),
            ("expires_at", n(session.expires_at.timestamp())),
            ("ttl", n(session.expires_at.timestamp())),
            ("activation_pending", AttributeValue::Bool(session.activation_pending)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        if settle.is_empty() {
            self.client
                .put_item()
                .table_name(&self.tables.sessions)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await
                .map_err(fault("create session"))?;
            return Ok(());
        }
        let put = Put::builder()
            .table_name(&self.tables.sessions)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build put session"))?;
        let mut request =
            self.client.transact_write_items().transact_items(TransactWriteItem::builder().put(put).build());
        for item in settle {
            request = request.transact_items(self.settle_item(item, session.created_at)?);
        }
        request.send().await.map_err(fault("create session"))?;
        Ok(())
    }

    async fn touch(
        &self,
        session_id: &SessionId,
        account_id: &AccountId,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.sessions)
            .key("pk", s(keys::session(session_id)))
            .update_expression("SET last_seen_at = :now_s, idle_deadline = idle_timeout_secs + :now")
            .condition_expression(
                "attribute_exists(pk) AND account_id = :account AND idle_deadline > :now AND expires_at > :now",
            )
            .expression_attribute_values(":now_s", s(now.to_rfc3339()))
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":account", s(account_id.as_str()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => Ok(out.attributes().and_then(record)),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(None),
            Err(e) => Err(crate::Error::internal("touch session", e)),
        }
    }

    async fn revoke(&self, session_id: &SessionId, account_id: &AccountId) -> Result<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.tables.sessions)
            .key("pk", s(keys::session(session_id)))
            .condition_expression("account_id = :account")
            .expression_attribute_values(":account", s(account_id.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(()),
            Err(e) => Err(crate::Error::internal("revoke session", e)),
        }
    }

    async fn set_idle_timeout(
        &self,
        session_id: &SessionId,
        account_id: &AccountId,
        secs: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.sessions)
            .key("pk", s(keys::session(session_id)))
            .update_expression("SET idle_timeout_secs = :secs, idle_deadline = :deadline")
            .condition_expression("account_id = :account")
            .expression_attribute_values(":secs", n(secs))
            .expression_attribute_values(":deadline", n(now.timestamp() + secs))
            .expression_attribute_values(":account", s(account_id.as_str()))
            .send()
            .await;
        super::written(result, "set the session's idle timeout")?;
        Ok(())
    }

    async fn clear_activation(&self, session_id: &SessionId, account_id: &AccountId) -> Result<()> {
        self.client
            .update_item()
            .table_name(&self.tables.sessions)
            .key("pk", s(keys::session(session_id)))
            .update_expression("SET activation_pending = :no")
            .condition_expression("account_id = :account")
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":account", s(account_id.as_str()))
            .send()
            .await
            .map_err(fault("clear activation"))?;
        Ok(())
    }

    async fn grant_step_up(&self, session_id: &SessionId, account_id: &AccountId, until: DateTime<Utc>) -> Result<()> {
        self.client
            .update_item()
            .table_name(&self.tables.sessions)
            .key("pk", s(keys::session(session_id)))
            .update_expression("SET step_up_until = :until")
            .condition_expression("account_id = :account")
            .expression_attribute_values(":until", n(until.timestamp()))
            .expression_attribute_values(":account", s(account_id.as_str()))
            .send()
            .await
            .map_err(fault("grant step-up"))?;
        Ok(())
    }

    async fn list(&self, account_id: &AccountId, now: DateTime<Utc>) -> Result<Vec<SessionInfo>> {
        Ok(self
            .sessions_of(account_id)
            .await?
            .iter()
            .filter(|i| alive(i, now))
            .filter_map(|i| {
                Some(SessionInfo {
                    session_id: SessionId::from_raw(get_s(i, "session_id")?),
                    created_at: get_s(i, "created_at")?.into(),
                    last_seen_at: get_s(i, "last_seen_at")?.into(),
                    method: get_s(i, "method").unwrap_or_default().into(),
                    user_agent: get_s(i, "user_agent").unwrap_or_default().into(),
                })
            })
            .collect())
    }

    async fn revoke_others(&self, account_id: &AccountId, keep: Option<&SessionId>) -> Result<usize> {
        let items = self.sessions_of(account_id).await?;
        let doomed: Vec<SessionId> = items
            .iter()
            .filter_map(|i| get_s(i, "session_id"))
            .map(SessionId::from_raw)
            .filter(|id| Some(id) != keep)
            .collect();
        let results = futures::future::join_all(doomed.iter().map(|id| self.revoke(id, account_id))).await;
        results.into_iter().collect::<Result<Vec<()>>>()?;
        Ok(doomed.len())
    }
}
