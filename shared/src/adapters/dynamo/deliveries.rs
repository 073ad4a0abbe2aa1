//! The delivery log of the outbox worker: one marker per delivered message, kept a day.

use super::{fault, keys, n, s, store_fault, DynamoStore};
use crate::error::Result;
use crate::ports::DeliveryLog;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::Put;
use chrono::{DateTime, Utc};

#[async_trait]
impl DeliveryLog for DynamoStore {
    async fn claim(&self, id: &str, keep_until: DateTime<Utc>) -> Result<bool> {
        let put = Put::builder()
            .table_name(&self.tables.flows)
            .item("pk", s(keys::delivery(id)))
            .item("ttl", n(keep_until.timestamp()))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build delivery claim"))?;
        self.send_put(put, "claim delivery").await
    }

    async fn release(&self, id: &str) -> Result<()> {
        self.client
            .delete_item()
            .table_name(&self.tables.flows)
            .key("pk", s(keys::delivery(id)))
            .send()
            .await
            .map_err(store_fault("release delivery"))?;
        Ok(())
    }
}
