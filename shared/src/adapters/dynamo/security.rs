use super::accounts::CredentialItem;
use super::keys;
use super::{fault, get_n, n, s, DynamoStore, Item};
use crate::domain::ids::AccountId;
use crate::domain::login::CredentialRef;
use crate::domain::security::ChosenFactors;
use crate::error::Result;
use crate::ports::{SecurityChange, SecurityRecord, SecurityStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Update};
use std::collections::HashMap;

fn factors(chosen: ChosenFactors) -> Result<AttributeValue> {
    serde_dynamo::to_attribute_value(chosen).map_err(fault("encode chosen factors"))
}

fn code_map(hashes: &[String]) -> AttributeValue {
    AttributeValue::M(hashes.iter().map(|h| (h.clone(), AttributeValue::Bool(true))).collect())
}

/// A credential item as its security record (none for a deleted account's credential).
pub(crate) fn security_record(raw: Item) -> Result<Option<SecurityRecord>> {
    let last_step = raw.get("totp").and_then(|t| t.as_m().ok()).and_then(|m| get_n(m, "last_step"));
    let passkeys = raw.get("passkey_ids").and_then(|v| v.as_ss().ok()).map_or(0, Vec::len);
    let c: CredentialItem = serde_dynamo::from_item(raw).map_err(fault("decode security record"))?;
    if !c.active() {
        return Ok(None);
    }
    Ok(Some(SecurityRecord {
        account_id: c.account_id,
        password_hash: c.password_hash.into(),
        login_protection: c.login_protection,
        operation_protection: c.operation_protection,
        login_factors: c.login_factors,
        operation_factors: c.operation_factors,
        idle_timeout_secs: c.idle_timeout_secs,
        totp_secret_encrypted: c.totp.map(|t| t.secret_encrypted.into()),
        totp_last_step: last_step,
        recovery_codes: c.recovery_codes.into_keys().collect::<std::collections::BTreeSet<_>>().into(),
        session_generation: c.session_generation,
        activated: c.activated,
        passkeys,
    }))
}

impl DynamoStore {
    /// The conditional update of a security record (alone, or in a step's transaction).
    pub(crate) fn security_update(
        &self,
        credential: &CredentialRef,
        account_id: &AccountId,
        change: SecurityChange,
    ) -> Result<Update> {
        let mut names: HashMap<String, String> = HashMap::new();
        let mut values: HashMap<String, AttributeValue> =
            HashMap::from([(":account".to_string(), s(account_id.as_str()))]);
        let (update, condition) = match change {
            SecurityChange::Password { hash } => {
                values.insert(":h".into(), s(hash.into_inner()));
                ("SET password_hash = :h", None)
            }
            SecurityChange::Protection { login, operation, login_factors, operation_factors } => {
                values.insert(":l".into(), AttributeValue::Bool(login));
                values.insert(":o".into(), AttributeValue::Bool(operation));
                values.insert(":lf".into(), factors(login_factors)?);
                values.insert(":of".into(), factors(operation_factors)?);
                ("SET login_protection = :l, operation_protection = :o, login_factors = :lf, operation_factors = :of", None)
            }
            SecurityChange::IdleTimeout { secs } => {
                values.insert(":s".into(), n(secs));
                ("SET idle_timeout_secs = :s", None)
            }
            SecurityChange::BindTotp { secret_encrypted, step, recovery_code_hashes } => {
                values.insert(
                    ":t".into(),
                    AttributeValue::M(HashMap::from([
                        ("secret_encrypted".to_string(), s(secret_encrypted.into_inner())),
                        ("last_step".to_string(), n(step)),
                    ])),
                );
                values.insert(":rc".into(), code_map(&recovery_code_hashes));
                ("SET totp = :t, recovery_codes = :rc", Some("attribute_not_exists(totp)"))
            }
            SecurityChange::UnbindTotp { login_factors, operation_factors } => {
                values.insert(":rc".into(), code_map(&[]));
                values.insert(":lf".into(), factors(login_factors)?);
                values.insert(":of".into(), factors(operation_factors)?);
                (
                    "REMOVE totp SET recovery_codes = :rc, login_factors = :lf, operation_factors = :of",
                    Some("attribute_exists(totp)"),
                )
            }
            SecurityChange::UseTotpStep { step } => {
                values.insert(":step".into(), n(step));
                ("SET totp.last_step = :step", Some("totp.last_step < :step"))
            }
            SecurityChange::UseRecoveryCode { hash } => {
                names.insert("#code".into(), hash);
                ("REMOVE recovery_codes.#code", Some("attribute_exists(recovery_codes.#code)"))
            }
            SecurityChange::ReplaceRecoveryCodes { hashes } => {
                values.insert(":rc".into(), code_map(&hashes));
                ("SET recovery_codes = :rc", Some("attribute_exists(totp)"))
            }
        };
        let condition = match condition {
            Some(extra) => format!("account_id = :account AND {extra}"),
            None => "account_id = :account".to_string(),
        };
        Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::credential(credential)))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names((!names.is_empty()).then_some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(fault("build security change"))
    }
}

#[async_trait]
impl SecurityStore for DynamoStore {
    async fn security(&self, credential: &CredentialRef) -> Result<Option<SecurityRecord>> {
        let item = self.get(&self.tables.accounts, keys::credential(credential), "read security record").await?;
        Ok(item.map(security_record).transpose()?.flatten())
    }

    async fn change_security(
        &self,
        credential: &CredentialRef,
        account_id: &AccountId,
        change: SecurityChange,
    ) -> Result<bool> {
        let u = self.security_update(credential, account_id, change)?;
        self.send_update(u, "change security record").await
    }
}
