use super::codes::code_key;
use super::{cancelled_items, failed_at, fault, n, s, DynamoStore};
use crate::domain::agreements::Acceptance;
use crate::error::Result;
use crate::ports::{AccountRecord, AccountStore, CodeProof, NewCloudAccount, RegisterOutcome};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub(crate) fn account_key(account_id: &str) -> String {
    format!("ACCOUNT#{account_id}")
}

pub(crate) fn login_key(username_key: &str) -> String {
    format!("LOGIN#{username_key}")
}

fn phone_counter_key(phone_hash: &str) -> String {
    format!("PHONE#{phone_hash}")
}

/// The stored account (record version 1). The phone is kept encrypted, as a keyed hash for
/// look-ups and in masked form for display.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct AccountItem {
    pub pk: String,
    pub record_version: u32,
    pub account_id: String,
    pub kind: String,
    pub username: String,
    pub username_key: String,
    pub phone_hash: String,
    pub phone_encrypted: String,
    pub phone_masked: String,
    pub created_at: DateTime<Utc>,
    pub agreements: Vec<Acceptance>,
    pub activated: bool,
    pub legacy: bool,
    pub verification: String,
}

/// The credential of a login name (record version 1): what sign-in reads, in one item.
/// It outlives a deleted account so the username is never reused [REG-1].
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CredentialItem {
    pub pk: String,
    pub record_version: u32,
    pub account_id: String,
    pub password_hash: String,
    pub idle_timeout_secs: i64,
    pub status: String,
}

#[async_trait]
impl AccountStore for DynamoStore {
    async fn register(
        &self,
        account: &NewCloudAccount,
        proof: &CodeProof,
        phone_cap: u32,
    ) -> Result<RegisterOutcome> {
        let consume_code = Update::builder()
            .table_name(&self.tables.flows)
            .key("pk", s(code_key(&proof.challenge_id)))
            .update_expression("SET consumed_at = :now_s")
            .condition_expression(
                "attribute_exists(pk) AND purpose = :purpose AND target_hash = :target AND code_hash = :code \
                 AND attempts < :max AND expires_at > :now AND attribute_not_exists(consumed_at)",
            )
            .expression_attribute_values(":now_s", s(proof.now.to_rfc3339()))
            .expression_attribute_values(":purpose", s(proof.purpose.as_str()))
            .expression_attribute_values(":target", s(&proof.target_hash))
            .expression_attribute_values(":code", s(&proof.code_hash))
            .expression_attribute_values(":max", n(proof.max_attempts.into()))
            .expression_attribute_values(":now", n(proof.now.timestamp()))
            .build()
            .map_err(fault("build consume code"))?;
        let credential = CredentialItem {
            pk: login_key(&account.username_key),
            record_version: 1,
            account_id: account.account_id.clone(),
            password_hash: account.password_hash.clone(),
            idle_timeout_secs: account.idle_timeout_secs,
            status: "active".into(),
        };
        let item = AccountItem {
            pk: account_key(&account.account_id),
            record_version: 1,
            account_id: account.account_id.clone(),
            kind: "cloud".into(),
            username: account.username.clone(),
            username_key: account.username_key.clone(),
            phone_hash: account.phone_hash.clone(),
            phone_encrypted: account.phone_encrypted.clone(),
            phone_masked: account.phone_masked.clone(),
            created_at: account.created_at,
            agreements: account.agreements.clone(),
            activated: true,
            legacy: false,
            verification: "unverified".into(),
        };
        let put_credential = Put::builder()
            .table_name(&self.tables.accounts)
            .set_item(Some(
                serde_dynamo::to_item(&credential).map_err(fault("encode credential"))?,
            ))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build put credential"))?;
        let put_account = Put::builder()
            .table_name(&self.tables.accounts)
            .set_item(Some(
                serde_dynamo::to_item(&item).map_err(fault("encode account"))?,
            ))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build put account"))?;
        let count_phone = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(phone_counter_key(&account.phone_hash)))
            .update_expression("ADD cloud_accounts :one")
            .condition_expression("attribute_not_exists(cloud_accounts) OR cloud_accounts < :cap")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cap", n(phone_cap.into()))
            .build()
            .map_err(fault("build phone counter"))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(consume_code).build())
            .transact_items(TransactWriteItem::builder().put(put_credential).build())
            .transact_items(TransactWriteItem::builder().put(put_account).build())
            .transact_items(TransactWriteItem::builder().update(count_phone).build())
            .send()
            .await;
        let Err(err) = result else {
            return Ok(RegisterOutcome::Registered);
        };
        let reasons = cancelled_items(err)?;
        Ok(if failed_at(&reasons, 0) {
            RegisterOutcome::CodeRejected
        } else if failed_at(&reasons, 1) {
            RegisterOutcome::UsernameTaken
        } else if failed_at(&reasons, 3) {
            RegisterOutcome::PhoneLimitReached
        } else {
            return Err(crate::Error::internal(
                "register",
                "transaction cancelled without a failed condition",
            ));
        })
    }

    async fn account(&self, account_id: &str) -> Result<Option<AccountRecord>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.accounts)
            .key("pk", s(account_key(account_id)))
            .send()
            .await
            .map_err(fault("read account"))?;
        let Some(raw) = out.item else { return Ok(None) };
        let item: AccountItem = serde_dynamo::from_item(raw).map_err(fault("decode account"))?;
        Ok(Some(AccountRecord {
            account_id: item.account_id,
            username: item.username,
            phone_masked: item.phone_masked,
            created_at: item.created_at,
            agreements: item.agreements,
            verification: item.verification,
        }))
    }
}
