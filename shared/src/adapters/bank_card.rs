//! Bank-card four-element check providers.
//!
//! Sandbox behaviour (documented in the README), by the card number's first six digits:
//! `622848...` -> mismatch; `621700...` -> the provider does not answer (timeout); any other valid
//! UnionPay card -> match.

use crate::adapters::http_json::HttpJson;
use crate::error::{Error, Result};
use crate::ports::{BankCardCheck, BankCardResult};
use async_trait::async_trait;
use serde::Deserialize;

pub const SANDBOX_MISMATCH_PREFIX: &str = "622848";
pub const SANDBOX_TIMEOUT_PREFIX: &str = "621700";

#[derive(Debug, Default)]
pub struct SandboxBankCard;

#[async_trait]
impl BankCardCheck for SandboxBankCard {
    async fn check(&self, _name: &str, _id_number: &str, card_number: &str, _phone: &str) -> Result<BankCardResult> {
        if card_number.starts_with(SANDBOX_TIMEOUT_PREFIX) {
            return Err(Error::ProviderUnavailable("sandbox bank-card check timed out (test prefix 621700)".into()));
        }
        Ok(if card_number.starts_with(SANDBOX_MISMATCH_PREFIX) {
            BankCardResult::Mismatch
        } else {
            BankCardResult::Match
        })
    }
}

/// `POST {endpoint}/verify` with the four elements, answering `{"result": "match" | "mismatch"}`.
pub struct HttpBankCard(HttpJson);

impl HttpBankCard {
    pub fn new(endpoint: String, api_key: String) -> Self {
        HttpBankCard(HttpJson::new(endpoint, api_key))
    }
}

#[derive(Deserialize)]
struct Answer {
    result: String,
}

#[async_trait]
impl BankCardCheck for HttpBankCard {
    async fn check(&self, name: &str, id_number: &str, card_number: &str, phone: &str) -> Result<BankCardResult> {
        let a: Answer = self.0.post("/verify", &serde_json::json!({ "name": name, "id_number": id_number, "card_number": card_number, "phone": phone })).await?;
        match a.result.as_str() {
            "match" => Ok(BankCardResult::Match),
            "mismatch" => Ok(BankCardResult::Mismatch),
            other => Err(Error::ProviderUnavailable(format!("unexpected bank-card answer `{other}`").into())),
        }
    }
}
