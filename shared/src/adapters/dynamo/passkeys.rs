//! Passkeys in the accounts table [KEY-1]: `PASSKEY#<id>` items (put only if the id is new), and
//! on the credential item the set of its passkeys' ids, grown only while smaller than the limit:
//! both in one transaction, so a burst of registrations keeps to the limit.

use super::keys;
use super::tx::Tx;
use super::{fault, n, s, DynamoStore};
use crate::domain::login::CredentialRef;
use crate::error::Result;
use crate::ports::{PasskeyAdded, PasskeyRecord, PasskeyStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, Update};
use chrono::{DateTime, Utc};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum AddPasskey {
    Limit,
    NewKey,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RemovePasskey {
    Owned,
}

fn record_of(item: super::Item) -> Result<PasskeyRecord> {
    serde_dynamo::from_item(item).map_err(fault("decode passkey"))
}

#[async_trait]
impl PasskeyStore for DynamoStore {
    async fn add_passkey(&self, record: &PasskeyRecord, max: u32) -> Result<PasskeyAdded> {
        let table = &self.tables.accounts;
        let mut item: super::Item = serde_dynamo::to_item(record).map_err(fault("encode passkey"))?;
        item.insert("pk".into(), s(keys::passkey(&record.passkey_id)));
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build passkey put"))?;
        let count = Update::builder()
            .table_name(table)
            .key("pk", s(keys::credential(&record.credential)))
            .update_expression("ADD passkey_ids :id")
            .condition_expression(
                "account_id = :account AND (attribute_not_exists(passkey_ids) OR size(passkey_ids) < :max)",
            )
            .expression_attribute_values(":id", AttributeValue::Ss(vec![record.passkey_id.clone()]))
            .expression_attribute_values(":account", s(record.account_id.as_str()))
            .expression_attribute_values(":max", n(max.into()))
            .build()
            .map_err(fault("build passkey count"))?;
        let tx = Tx::new().update(AddPasskey::Limit, count).put(AddPasskey::NewKey, put);
        // Another registration at the same moment may cancel it with no condition failed: again.
        Ok(match self.commit_retrying(tx, "add a passkey").await? {
            Ok(()) => PasskeyAdded::Added,
            Err(cancelled) if cancelled.failed(AddPasskey::NewKey) => PasskeyAdded::Taken,
            Err(_) => PasskeyAdded::Full,
        })
    }

    async fn passkeys_of(&self, credential: &CredentialRef) -> Result<Vec<PasskeyRecord>> {
        let table = &self.tables.accounts;
        let Some(item) = self.get(table, keys::credential(credential), "read passkey ids").await? else {
            return Ok(vec![]);
        };
        let ids = item.get("passkey_ids").and_then(|v| v.as_ss().ok()).cloned().unwrap_or_default();
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let wanted: Vec<(&str, String)> = ids.iter().map(|id| (table.as_str(), keys::passkey(id))).collect();
        let mut records =
            self.batch_get(&wanted, "read passkeys").await?.into_iter().map(record_of).collect::<Result<Vec<_>>>()?;
        records.retain(|r| &r.credential == credential);
        records.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.passkey_id.cmp(&b.passkey_id)));
        Ok(records)
    }

    async fn passkey(&self, passkey_id: &str) -> Result<Option<PasskeyRecord>> {
        let item = self.get(&self.tables.accounts, keys::passkey(passkey_id), "read passkey").await?;
        item.map(record_of).transpose()
    }

    async fn passkey_used(&self, passkey_id: &str, from: u32, to: u32, key: &str, at: DateTime<Utc>) -> Result<bool> {
        let used = serde_dynamo::to_attribute_value(at).map_err(fault("encode a time"))?;
        let update = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::passkey(passkey_id)))
            .update_expression("SET #counter = :to, #key = :key, last_used_at = :at")
            .condition_expression("#counter = :from")
            .expression_attribute_names("#counter", "counter")
            .expression_attribute_names("#key", "key")
            .expression_attribute_values(":from", n(from.into()))
            .expression_attribute_values(":to", n(to.into()))
            .expression_attribute_values(":key", s(key))
            .expression_attribute_values(":at", used)
            .build()
            .map_err(fault("build passkey use"))?;
        self.send_update(update, "record a passkey's use").await
    }

    async fn rename_passkey(&self, credential: &CredentialRef, passkey_id: &str, name: &str) -> Result<bool> {
        let update = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::passkey(passkey_id)))
            .update_expression("SET #name = :name")
            .condition_expression("#credential = :me")
            .expression_attribute_names("#name", "name")
            .expression_attribute_names("#credential", "credential")
            .expression_attribute_values(":name", s(name))
            .expression_attribute_values(":me", s(credential.to_string()))
            .build()
            .map_err(fault("build passkey rename"))?;
        self.send_update(update, "rename a passkey").await
    }

    async fn remove_passkey(&self, credential: &CredentialRef, passkey_id: &str) -> Result<bool> {
        let table = &self.tables.accounts;
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(table)
            .key("pk", s(keys::passkey(passkey_id)))
            .condition_expression("#credential = :me")
            .expression_attribute_names("#credential", "credential")
            .expression_attribute_values(":me", s(credential.to_string()))
            .build()
            .map_err(fault("build passkey removal"))?;
        let unlist = Update::builder()
            .table_name(table)
            .key("pk", s(keys::credential(credential)))
            .update_expression("DELETE passkey_ids :id")
            .expression_attribute_values(":id", AttributeValue::Ss(vec![passkey_id.to_owned()]))
            .build()
            .map_err(fault("build passkey unlisting"))?;
        let tx = Tx::new().delete(RemovePasskey::Owned, delete).update(RemovePasskey::Owned, unlist);
        // A sign-in using the key at the same moment may cancel it with no condition failed: again.
        Ok(self.commit_retrying(tx, "remove a passkey").await?.is_ok())
    }
}
