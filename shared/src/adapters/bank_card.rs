//! Bank-card four-element check providers.
//!
//! Every check carries an idempotency key; after a time-out the use case asks the provider by
//! that key whether anything was checked [KYC-P3].
//!
//! Sandbox behaviour (documented in the README), by the card number's first six digits:
//! `622848...` -> mismatch; `621700...` -> the check times out before the bank is asked (asked by
//! its key, the provider says nothing was checked); `621701...` -> the check times out after the
//! bank checked (asked by its key: checked); `621702...` -> the check times out and the question
//! by its key times out too (unknown); any other valid UnionPay card -> match.

use crate::adapters::http_json::{ApiKey, HttpJson};
use crate::error::{Error, Result};
use crate::ports::{BankCardCheck, BankCardResult, CheckRecord, FourElements};
use async_trait::async_trait;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;

pub const SANDBOX_MISMATCH_PREFIX: &str = "622848";
/// Times out before the bank is asked: nothing checked.
pub const SANDBOX_TIMEOUT_UNCHECKED_PREFIX: &str = "621700";
/// Times out after the bank checked.
pub const SANDBOX_TIMEOUT_CHECKED_PREFIX: &str = "621701";
/// Times out, and so does the question by its key: unknown.
pub const SANDBOX_TIMEOUT_UNKNOWN_PREFIX: &str = "621702";

/// What the sandbox did under a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kept {
    Checked,
    Unanswerable,
}

/// The sandbox provider: deterministic by card prefix, and it remembers what it checked under
/// each idempotency key (a key it never saw was not checked).
#[derive(Debug, Default)]
pub struct SandboxBankCard {
    keys: Mutex<HashMap<String, Kept>>,
}

impl SandboxBankCard {
    fn keep(&self, key: &str, kept: Kept) {
        self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key.to_owned(), kept);
    }
}

fn timed_out(what: &str) -> Error {
    Error::ProviderUnavailable(format!("sandbox bank-card {what} timed out (test prefix)").into())
}

#[async_trait]
impl BankCardCheck for SandboxBankCard {
    async fn check(&self, idempotency_key: &str, elements: FourElements<'_>) -> Result<BankCardResult> {
        let card = elements.card_number;
        if card.starts_with(SANDBOX_TIMEOUT_UNCHECKED_PREFIX) {
            return Err(timed_out("check"));
        }
        if card.starts_with(SANDBOX_TIMEOUT_UNKNOWN_PREFIX) {
            self.keep(idempotency_key, Kept::Unanswerable);
            return Err(timed_out("check"));
        }
        self.keep(idempotency_key, Kept::Checked);
        if card.starts_with(SANDBOX_TIMEOUT_CHECKED_PREFIX) {
            return Err(timed_out("check"));
        }
        Ok(if card.starts_with(SANDBOX_MISMATCH_PREFIX) { BankCardResult::Mismatch } else { BankCardResult::Match })
    }

    async fn checked(&self, idempotency_key: &str) -> Result<CheckRecord> {
        let kept = self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(idempotency_key).copied();
        match kept {
            None => Ok(CheckRecord::NotChecked),
            Some(Kept::Checked) => Ok(CheckRecord::Checked),
            Some(Kept::Unanswerable) => Err(timed_out("status question")),
        }
    }
}

/// `POST {endpoint}/verify` with the four elements and `idempotency_key`, answering
/// `{"result": "match" | "mismatch"}`; `POST {endpoint}/verify/status` with `idempotency_key`,
/// answering `{"status": "not_checked" | "checked"}`.
pub struct HttpBankCard(HttpJson);

impl HttpBankCard {
    pub fn new(endpoint: String, api_key: ApiKey) -> Self {
        HttpBankCard(HttpJson::new(endpoint, api_key))
    }
}

#[derive(Deserialize)]
struct Answer {
    result: String,
}

#[derive(Deserialize)]
struct Status {
    status: String,
}

fn unexpected(what: &str, other: &str) -> Error {
    Error::ProviderUnavailable(format!("unexpected bank-card {what} `{other}`").into())
}

#[async_trait]
impl BankCardCheck for HttpBankCard {
    async fn check(&self, idempotency_key: &str, e: FourElements<'_>) -> Result<BankCardResult> {
        let body = serde_json::json!({
            "idempotency_key": idempotency_key, "name": e.name, "id_number": e.id_number,
            "card_number": e.card_number, "phone": e.phone,
        });
        let a: Answer = self.0.post("/verify", &body).await?;
        match a.result.as_str() {
            "match" => Ok(BankCardResult::Match),
            "mismatch" => Ok(BankCardResult::Mismatch),
            other => Err(unexpected("answer", other)),
        }
    }

    async fn checked(&self, idempotency_key: &str) -> Result<CheckRecord> {
        let s: Status =
            self.0.post("/verify/status", &serde_json::json!({ "idempotency_key": idempotency_key })).await?;
        match s.status.as_str() {
            "not_checked" => Ok(CheckRecord::NotChecked),
            "checked" => Ok(CheckRecord::Checked),
            other => Err(unexpected("status", other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(prefix: &str) -> String {
        crate::domain::bank_card::with_luhn(&format!("{prefix}000000000000"))
    }

    async fn outcome(prefix: &str) -> (bool, Result<CheckRecord>) {
        let sandbox = SandboxBankCard::default();
        let card = card(prefix);
        let elements = FourElements { name: "张三", id_number: "x", card_number: &card, phone: "+8613900001111" };
        let timed_out = sandbox.check("k", elements).await.is_err();
        (timed_out, sandbox.checked("k").await)
    }

    #[tokio::test]
    async fn the_sandbox_times_out_by_prefix_and_answers_by_key() {
        assert!(matches!(outcome("621700").await, (true, Ok(CheckRecord::NotChecked))));
        assert!(matches!(outcome("621701").await, (true, Ok(CheckRecord::Checked))));
        assert!(matches!(outcome("621702").await, (true, Err(Error::ProviderUnavailable(_)))));
        assert!(matches!(outcome("622202").await, (false, Ok(CheckRecord::Checked))));
    }
}
