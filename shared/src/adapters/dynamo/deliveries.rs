//! The delivery log of the outbox worker: one marker per delivered message, kept a day.

use super::{fault, keys, n, s, written, DynamoStore};
use crate::error::Result;
use crate::ports::DeliveryLog;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl DeliveryLog for DynamoStore {
    async fn claim(&self, id: &str, keep_until: DateTime<Utc>) -> Result<bool> {
        let result = self
            .client
            .put_item()
            .table_name(&self.tables.flows)
            .item("pk", s(keys::delivery(id)))
            .item("ttl", n(keep_until.timestamp()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        written(result, "claim delivery")
    }

    async fn release(&self, id: &str) -> Result<()> {
        self.client
            .delete_item()
            .table_name(&self.tables.flows)
            .key("pk", s(keys::delivery(id)))
            .send()
            .await
            .map_err(fault("release delivery"))?;
        Ok(())
    }
}
