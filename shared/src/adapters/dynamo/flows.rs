use super::{fault, get_n, n, s, written, DynamoStore};
use crate::error::Result;
use crate::ports::{FlowStore, StoredFlow};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

fn flow_key(key: &str) -> String {
    format!("FLOW#{key}")
}

#[async_trait]
impl FlowStore for DynamoStore {
    async fn put_flow(&self, key: &str, body: serde_json::Value, expires_at: DateTime<Utc>) -> Result<()> {
        let body = serde_dynamo::to_attribute_value(body).map_err(fault("encode flow"))?;
        self.client
            .put_item()
            .table_name(&self.tables.flows)
            .item("pk", s(flow_key(key)))
            .item("body", body)
            .item("attempts", n(0))
            .item("version", n(0))
            .item("expires_at", n(expires_at.timestamp()))
            .item("ttl", n((expires_at + Duration::days(1)).timestamp()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(fault("store flow"))?;
        Ok(())
    }

    async fn flow(&self, key: &str) -> Result<Option<StoredFlow>> {
        let item = self.get(&self.tables.flows, flow_key(key), "read flow").await?;
        let Some(item) = item else {
            return Ok(None);
        };
        let body = item
            .get("body")
            .cloned()
            .map(serde_dynamo::from_attribute_value)
            .transpose()
            .map_err(fault("decode flow"))?
            .unwrap_or_default();
        Ok(Some(StoredFlow {
            body,
            attempts: get_n(&item, "attempts").unwrap_or(0) as u32,
            version: get_n(&item, "version").unwrap_or(0) as u32,
            expires_at: DateTime::from_timestamp(get_n(&item, "expires_at").unwrap_or(0), 0).unwrap_or_default(),
        }))
    }

    async fn count_flow_failure(&self, key: &str, max: u32) -> Result<Option<u32>> {
        self.count_attempt(
            &self.tables.flows,
            flow_key(key),
            "attribute_exists(pk) AND attempts < :max",
            max,
            "count flow failure",
        )
        .await
    }

    async fn take_flow(&self, key: &str, now: DateTime<Utc>, max: u32) -> Result<bool> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.tables.flows)
            .key("pk", s(flow_key(key)))
            .condition_expression("attribute_exists(pk) AND expires_at > :now AND attempts < :max")
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":max", n(max.into()))
            .send()
            .await;
        written(result, "take flow")
    }

    async fn update_flow(&self, key: &str, body: serde_json::Value, version: u32) -> Result<bool> {
        let body = serde_dynamo::to_attribute_value(body).map_err(fault("encode flow"))?;
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.flows)
            .key("pk", s(flow_key(key)))
            .update_expression("SET body = :body ADD version :one")
            .condition_expression("attribute_exists(pk) AND version = :v")
            .expression_attribute_values(":body", body)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":v", n(version.into()))
            .send()
            .await;
        written(result, "update flow")
    }
}
