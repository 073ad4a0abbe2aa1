use super::tx::Tx;
use super::{fault, get_n, keys, n, s, written, DynamoStore};
use crate::domain::flow::Versioned;
use crate::domain::ids::AccountId;
use crate::domain::kyc::FaceVerification;
use crate::error::Result;
use crate::ports::{KycStore, PersonalIdentity, StudentRecord, VerifyOutcome};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Update};

/// The guards of a personal verification [KYC-P4].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum VerifyPerson {
    /// The document is on fewer accounts than its cap.
    DocumentCap,
    /// The account exists and is not verified yet.
    Account,
    /// The face session as read (it passes now).
    FaceSession,
}

impl DynamoStore {
    /// Counts the account on the document's cap (fails once `cap` accounts are counted) [KYC-P4].
    pub(crate) fn count_document(&self, account_id: &AccountId, document_hash: &str, cap: u32) -> Result<Update> {
        Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::document(document_hash)))
            .update_expression("ADD accounts :one, account_ids :ids")
            .condition_expression("attribute_not_exists(accounts) OR accounts < :cap")
            .expression_attribute_values(":ids", AttributeValue::Ss(vec![account_id.to_string()]))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cap", n(cap.into()))
            .build()
            .map_err(fault("build document counter"))
    }

    /// Gives the account's slot on the document back (only if it holds one).
    pub(crate) fn release_document(&self, account_id: &AccountId, document_hash: &str) -> Result<Update> {
        Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::document(document_hash)))
            .update_expression("ADD accounts :minus DELETE account_ids :ids")
            .condition_expression("contains(account_ids, :id)")
            .expression_attribute_values(":ids", AttributeValue::Ss(vec![account_id.to_string()]))
            .expression_attribute_values(":id", s(account_id.as_str()))
            .expression_attribute_values(":minus", n(-1))
            .build()
            .map_err(fault("build document release"))
    }

    /// Counts the account on the document's cap and marks it verified (only if it is not yet):
    /// the two writes of every personal verification [KYC-P4].
    pub(crate) fn verify_personal_updates(
        &self,
        account_id: &AccountId,
        identity: &PersonalIdentity,
        document_cap: u32,
    ) -> Result<[Update; 2]> {
        let count_document = self.count_document(account_id, &identity.document_hash, document_cap)?;
        let mark_account = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(account_id)))
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
        Ok([count_document, mark_account])
    }
}

#[async_trait]
impl KycStore for DynamoStore {
    async fn document_accounts(&self, document_hash: &str) -> Result<u32> {
        let item = self.get(&self.tables.accounts, keys::document(document_hash), "read document counter").await?;
        Ok(item.as_ref().and_then(|i| get_n(i, "accounts")).and_then(|a| u32::try_from(a).ok()).unwrap_or(0))
    }

    async fn refund_bank_card_attempt(&self, account_id: &AccountId, idempotency_key: &str) -> Result<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::bank_card_attempts(account_id)))
            .update_expression("ADD attempts :minus, refunded :key")
            .condition_expression("attempts > :zero AND NOT contains(refunded, :key_text)")
            .expression_attribute_values(":minus", n(-1))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":key", AttributeValue::Ss(vec![idempotency_key.to_owned()]))
            .expression_attribute_values(":key_text", s(idempotency_key))
            .send()
            .await;
        written(result, "refund bank-card attempt")
    }

    async fn verify_personal(
        &self,
        account_id: &AccountId,
        identity: &PersonalIdentity,
        document_cap: u32,
        face_session: Option<(&Versioned<FaceVerification>, &FaceVerification)>,
    ) -> Result<VerifyOutcome> {
        let [count_document, mark_account] = self.verify_personal_updates(account_id, identity, document_cap)?;
        let mut tx =
            Tx::new().update(VerifyPerson::DocumentCap, count_document).update(VerifyPerson::Account, mark_account);
        if let Some((current, next)) = face_session {
            tx = tx.update(VerifyPerson::FaceSession, self.flow_transition(current, next)?);
        }
        let Err(cancelled) = self.commit(tx).await? else { return Ok(VerifyOutcome::Verified) };
        Ok(if cancelled.failed(VerifyPerson::FaceSession) {
            VerifyOutcome::SessionEnded
        } else if cancelled.failed(VerifyPerson::Account) {
            VerifyOutcome::AlreadyVerified
        } else if cancelled.failed(VerifyPerson::DocumentCap) {
            VerifyOutcome::DocumentLimitReached
        } else {
            return Err(crate::Error::internal("verify personal", "transaction cancelled without a failed condition"));
        })
    }

    async fn set_student(&self, account_id: &AccountId, student: &StudentRecord) -> Result<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::account(account_id)))
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

    async fn accounts_of_document(&self, document_hash: &str) -> Result<Vec<AccountId>> {
        let item = self.get(&self.tables.accounts, keys::document(document_hash), "read document accounts").await?;
        let ids = item.as_ref().and_then(|i| i.get("account_ids")).and_then(|v| v.as_ss().ok());
        Ok(ids.into_iter().flatten().map(AccountId::from_raw).collect())
    }
}
