use super::accounts::account_key;
use super::{cancelled_items, failed_at, fault, get_n, n, s, written, DynamoStore};
use crate::error::Result;
use crate::ports::{FaceSessionRecord, KycStore, PersonalIdentity, StudentRecord, VerifyOutcome};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};

fn document_key(hash: &str) -> String {
    format!("DOC#{hash}")
}

fn face_key(id: &str) -> String {
    format!("FACE#{id}")
}

fn attempts_key(account_id: &str) -> String {
    format!("KYC#bank-card#{account_id}")
}

#[async_trait]
impl KycStore for DynamoStore {
    async fn document_accounts(&self, document_hash: &str) -> Result<u32> {
        let item = self.get(&self.tables.accounts, document_key(document_hash), "read document counter").await?;
        Ok(item.as_ref().and_then(|i| get_n(i, "accounts")).unwrap_or(0) as u32)
    }

    async fn count_bank_card_attempt(&self, account_id: &str, max: u32) -> Result<Option<u32>> {
        let condition = "attribute_not_exists(attempts) OR attempts < :max";
        self.count_attempt(&self.tables.accounts, attempts_key(account_id), condition, max, "count bank-card attempt")
            .await
    }

    async fn verify_personal(
        &self,
        account_id: &str,
        identity: &PersonalIdentity,
        document_cap: u32,
        face_session: Option<(&str, DateTime<Utc>)>,
    ) -> Result<VerifyOutcome> {
        let count_document = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(document_key(&identity.document_hash)))
            .update_expression("ADD accounts :one, account_ids :ids")
            .condition_expression("attribute_not_exists(accounts) OR accounts < :cap")
            .expression_attribute_values(
                ":ids",
                aws_sdk_dynamodb::types::AttributeValue::Ss(vec![account_id.to_owned()]),
            )
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cap", n(document_cap.into()))
            .build()
            .map_err(fault("build document counter"))?;
        let mark_account = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(account_key(account_id)))
            .update_expression("SET verification = :personal, personal = :identity")
            .condition_expression("attribute_exists(pk) AND verification = :unverified")
            .expression_attribute_values(":personal", s("personal"))
            .expression_attribute_values(":unverified", s("unverified"))
            .expression_attribute_values(
                ":identity",
                serde_dynamo::to_attribute_value(identity).map_err(fault("encode identity"))?,
            )
            .build()
            .map_err(fault("build verify account"))?;
        let mut request = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(count_document).build())
            .transact_items(TransactWriteItem::builder().update(mark_account).build());
        if let Some((verification_id, now)) = face_session {
            let pass = Update::builder()
                .table_name(&self.tables.flows)
                .key("pk", s(face_key(verification_id)))
                .update_expression("SET #st = :passed")
                .condition_expression("#st = :pending AND expires_epoch > :now")
                .expression_attribute_names("#st", "state")
                .expression_attribute_values(":passed", s("passed"))
                .expression_attribute_values(":pending", s("pending"))
                .expression_attribute_values(":now", n(now.timestamp()))
                .build()
                .map_err(fault("build pass face session"))?;
            request = request.transact_items(TransactWriteItem::builder().update(pass).build());
        }
        let Err(err) = request.send().await else { return Ok(VerifyOutcome::Verified) };
        let reasons = cancelled_items(err)?;
        Ok(if failed_at(&reasons, 2) {
            VerifyOutcome::SessionEnded
        } else if failed_at(&reasons, 1) {
            VerifyOutcome::AlreadyVerified
        } else if failed_at(&reasons, 0) {
            VerifyOutcome::DocumentLimitReached
        } else {
            return Err(crate::Error::internal("verify personal", "transaction cancelled without a failed condition"));
        })
    }

    async fn create_face_session(&self, session: &FaceSessionRecord) -> Result<()> {
        let mut item: super::Item = serde_dynamo::to_item(session).map_err(fault("encode face session"))?;
        item.insert("pk".into(), s(face_key(&session.verification_id)));
        item.insert("expires_epoch".into(), n(session.expires_at.timestamp()));
        item.insert("ttl".into(), n((session.expires_at + Duration::days(1)).timestamp()));
        self.client
            .put_item()
            .table_name(&self.tables.flows)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(fault("store face session"))?;
        Ok(())
    }

    async fn face_session(&self, verification_id: &str) -> Result<Option<FaceSessionRecord>> {
        let item = self.get(&self.tables.flows, face_key(verification_id), "read face session").await?;
        item.map(|i| serde_dynamo::from_item(i).map_err(fault("decode face session"))).transpose()
    }

    async fn fail_face_session(&self, verification_id: &str) -> Result<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.flows)
            .key("pk", s(face_key(verification_id)))
            .update_expression("SET #st = :failed")
            .condition_expression("#st = :pending")
            .expression_attribute_names("#st", "state")
            .expression_attribute_values(":failed", s("failed"))
            .expression_attribute_values(":pending", s("pending"))
            .send()
            .await;
        written(result, "fail face session")
    }

    async fn set_student(&self, account_id: &str, student: &StudentRecord) -> Result<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.accounts)
            .key("pk", s(account_key(account_id)))
            .update_expression("SET student = :student")
            .condition_expression("verification = :personal")
            .expression_attribute_values(
                ":student",
                serde_dynamo::to_attribute_value(student).map_err(fault("encode student"))?,
            )
            .expression_attribute_values(":personal", s("personal"))
            .send()
            .await;
        written(result, "set student")
    }

    async fn accounts_of_document(&self, document_hash: &str) -> Result<Vec<String>> {
        let item = self.get(&self.tables.accounts, document_key(document_hash), "read document accounts").await?;
        Ok(item.as_ref().and_then(|i| i.get("account_ids")).and_then(|v| v.as_ss().ok()).cloned().unwrap_or_default())
    }
}
