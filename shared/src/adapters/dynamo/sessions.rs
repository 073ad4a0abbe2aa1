use super::sign_in::throttle_key;
use super::{fault, get_n, get_s, n, s, DynamoStore, Item};
use crate::error::Result;
use crate::ports::{NewSession, SessionRecord, SessionStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, ReturnValue, TransactWriteItem};
use chrono::{DateTime, Utc};

fn session_key(session_id: &str) -> String {
    format!("SESSION#{session_id}")
}

fn record(item: &Item) -> Option<SessionRecord> {
    Some(SessionRecord {
        session_id: get_s(item, "session_id")?.into(),
        account_id: get_s(item, "account_id")?.into(),
        idle_timeout_secs: get_n(item, "idle_timeout_secs")?,
    })
}

#[async_trait]
impl SessionStore for DynamoStore {
    async fn create(&self, session: &NewSession, clear_throttle: Option<&str>) -> Result<()> {
        let idle_deadline = session.created_at.timestamp() + session.idle_timeout_secs;
        let item: Item = [
            ("pk", s(session_key(&session.session_id))),
            ("session_id", s(&session.session_id)),
            ("account_id", s(&session.account_id)),
            ("method", s(session.method)),
            ("user_agent", s(&session.user_agent)),
            ("created_at", s(session.created_at.to_rfc3339())),
            ("last_seen_at", s(session.created_at.to_rfc3339())),
            ("idle_timeout_secs", n(session.idle_timeout_secs)),
            ("idle_deadline", n(idle_deadline)),
            ("expires_at", n(session.expires_at.timestamp())),
            ("ttl", n(session.expires_at.timestamp())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        match clear_throttle {
            None => {
                self.client
                    .put_item()
                    .table_name(&self.tables.sessions)
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(pk)")
                    .send()
                    .await
                    .map_err(fault("create session"))?;
            }
            Some(key) => {
                let put = Put::builder()
                    .table_name(&self.tables.sessions)
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(pk)")
                    .build()
                    .map_err(fault("build put session"))?;
                let clear = Delete::builder()
                    .table_name(&self.tables.flows)
                    .key("pk", s(throttle_key(key)))
                    .build()
                    .map_err(fault("build clear throttle"))?;
                self.client
                    .transact_write_items()
                    .transact_items(TransactWriteItem::builder().put(put).build())
                    .transact_items(TransactWriteItem::builder().delete(clear).build())
                    .send()
                    .await
                    .map_err(fault("create session"))?;
            }
        }
        Ok(())
    }

    async fn touch(
        &self,
        session_id: &str,
        account_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.sessions)
            .key("pk", s(session_key(session_id)))
            .update_expression("SET last_seen_at = :now_s, idle_deadline = idle_timeout_secs + :now")
            .condition_expression("attribute_exists(pk) AND account_id = :account AND idle_deadline > :now AND expires_at > :now")
            .expression_attribute_values(":now_s", s(now.to_rfc3339()))
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":account", s(account_id))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => Ok(out.attributes().and_then(record)),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(crate::Error::internal("touch session", e)),
        }
    }

    async fn revoke(&self, session_id: &str, account_id: &str) -> Result<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.tables.sessions)
            .key("pk", s(session_key(session_id)))
            .condition_expression("account_id = :account")
            .expression_attribute_values(":account", s(account_id))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(crate::Error::internal("revoke session", e)),
        }
    }
}
