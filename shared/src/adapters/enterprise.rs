//! The outside parties of enterprise verification, production (JSON over HTTPS) and sandbox.
//!
//! Sandbox behaviour (documented in the README, "Enterprise verification"):
//! - registry: every well-formed code is registered, under the name the user gives, 30 days ago,
//!   with the types its first two characters stand for (GB 32100-2015: `91` enterprise, `92`
//!   individual business, `12` public institution, `51` social group, ...), except where the
//!   organisation code (characters 9-17) starts with `00000` (not registered), `00007`
//!   (registered 3 days ago) or `00009` (holds a third-party payment licence); a name containing
//!   `未登记` ("not registered") is never found (a new name the registry has not confirmed).
//! - payouts: recorded when asked (once per id); `settle` reports them by signed callback,
//!   according to the account number's last four digits: `0002` arrives one day after it was
//!   asked, `0003` never arrives, `0004` fails (name and number do not match), `0005` fails
//!   (account cannot receive), `0007` fails (wrong bank name); any other arrives at once. `0008`:
//!   the provider does not answer the first ask (the sweeper asks again a minute later); `0009`:
//!   the provider takes the first ask and its answer times out (the ask again must not pay twice).
//! - risk rules: a right amount paid into an account ending `0006` hits a rule (manual review).
//! - the bank: `inbound` signs a notification of a transfer into a receiving account, as the
//!   bank would.

use crate::adapters::face::callback_signature;
use crate::adapters::http_json::{ApiKey, HttpJson};
use crate::domain::enterprise::money::Fen;
use crate::domain::enterprise::{OrgType, Uscc};
use crate::domain::ids::{AccountId, FlowId};
use crate::error::Result;
use crate::ports::{
    BusinessRegistry, InboundBank, InboundTransfer, Payout, PayoutCallback, PayoutProvider, RegistryRecord, RiskRules,
};
use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

fn authentic(secret: &[u8], body: &[u8], signature: &str) -> bool {
    use subtle::ConstantTimeEq;
    let expected = callback_signature(secret, body);
    expected.len() == signature.len() && bool::from(expected.as_bytes().ct_eq(signature.as_bytes()))
}

// ---- registry ---------------------------------------------------------------------------------

/// The sandbox registry: the day it answers for is the clock's (the local clock moves under tests).
pub struct SandboxRegistry {
    clock: std::sync::Arc<dyn crate::ports::Clock>,
}

impl SandboxRegistry {
    pub fn new(clock: std::sync::Arc<dyn crate::ports::Clock>) -> Self {
        SandboxRegistry { clock }
    }
}

/// The sandbox's answer for a code on `today` (pure, for the README's table and the tests).
pub fn sandbox_record(uscc: &Uscc, name: &str, today: NaiveDate) -> Option<RegistryRecord> {
    let org = uscc.organisation_code();
    if org.starts_with("00000") || name.contains("未登记") {
        return None;
    }
    let age = if org.starts_with("00007") { 3 } else { 30 };
    Some(RegistryRecord {
        name: name.to_owned(),
        registered_on: today - Duration::days(age),
        types: OrgType::of_code_kind(uscc.authority_and_kind()).to_vec(),
        payment_licence: org.starts_with("00009"),
    })
}

#[async_trait]
impl BusinessRegistry for SandboxRegistry {
    async fn lookup(&self, uscc: &Uscc, name: &str) -> Result<Option<RegistryRecord>> {
        Ok(sandbox_record(uscc, name, self.clock.now().date_naive()))
    }
}

/// `POST {endpoint}/organisations/lookup` with `{"uscc", "name"}` (both must match one
/// registered organisation) answering `{"found": false}` or
/// `{"found": true, "name", "registered_on": "YYYY-MM-DD", "types": [...], "payment_licence"}`.
pub struct HttpRegistry {
    api: HttpJson,
}

impl HttpRegistry {
    pub fn new(endpoint: String, api_key: ApiKey) -> Self {
        HttpRegistry { api: HttpJson::new(endpoint, api_key) }
    }
}

#[derive(Deserialize)]
struct LookupAnswer {
    found: bool,
    #[serde(default)]
    name: String,
    registered_on: Option<NaiveDate>,
    #[serde(default)]
    types: Vec<OrgType>,
    #[serde(default)]
    payment_licence: bool,
}

#[async_trait]
impl BusinessRegistry for HttpRegistry {
    async fn lookup(&self, uscc: &Uscc, name: &str) -> Result<Option<RegistryRecord>> {
        let body = serde_json::json!({ "uscc": uscc, "name": name });
        let a: LookupAnswer = self.api.post("/organisations/lookup", &body).await?;
        Ok(match (a.found, a.registered_on) {
            (true, Some(registered_on)) => {
                Some(RegistryRecord { name: a.name, registered_on, types: a.types, payment_licence: a.payment_licence })
            }
            _ => None,
        })
    }
}

// ---- payouts ----------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct SandboxPayout {
    id: FlowId,
    account_number: String,
    amount: Fen,
    asked_at: DateTime<Utc>,
    reported: bool,
}

/// A deposit the sandbox bank shows on an account's statement.
#[derive(Debug, Clone, Serialize)]
pub struct StatementLine {
    pub payout_id: String,
    pub amount: String,
    pub at: DateTime<Utc>,
}

pub struct SandboxPayouts {
    secret: Vec<u8>,
    payouts: Mutex<Vec<SandboxPayout>>,
    /// The payouts asked for at least once (`0008` and `0009` time out the first time only).
    asked: Mutex<std::collections::HashSet<FlowId>>,
    clock: std::sync::Arc<dyn crate::ports::Clock>,
}

impl SandboxPayouts {
    pub fn new(secret: Vec<u8>, clock: std::sync::Arc<dyn crate::ports::Clock>) -> Self {
        SandboxPayouts { secret, payouts: Mutex::new(vec![]), asked: Mutex::default(), clock }
    }

    /// The callbacks (body, signature) of payouts whose outcome is due now, each reported once.
    pub fn settle(&self) -> Vec<(String, String)> {
        let now = self.clock.now();
        let Ok(mut payouts) = self.payouts.lock() else { return vec![] };
        let mut callbacks = vec![];
        for p in payouts.iter_mut().filter(|p| !p.reported) {
            let (status, reason) = match &p.account_number[p.account_number.len().saturating_sub(4)..] {
                "0002" if now < p.asked_at + Duration::days(1) => continue,
                "0003" => continue,
                "0004" => ("failed", Some("name_mismatch")),
                "0005" => ("failed", Some("account_unsupported")),
                "0007" => ("failed", Some("bank_name")),
                _ => ("arrived", None),
            };
            p.reported = true;
            let body = PayoutCallback {
                payout_id: p.id.clone(),
                status: status.into(),
                reason: reason.map(Into::into),
                at: now,
            };
            let body = serde_json::to_string(&body).unwrap_or_default();
            let signature = callback_signature(&self.secret, body.as_bytes());
            callbacks.push((body, signature));
        }
        callbacks
    }

    /// The amounts the provider was asked to pay into an account, arrived or not (the sandbox's
    /// own record, for tests of deposits that never arrive).
    pub fn asked(&self, account_number: &str) -> Vec<String> {
        let Ok(payouts) = self.payouts.lock() else { return vec![] };
        payouts.iter().filter(|p| p.account_number == account_number).map(|p| p.amount.to_string()).collect()
    }

    /// The deposits that arrived into an account (what its bank statement shows).
    pub fn statement(&self, account_number: &str) -> Vec<StatementLine> {
        let Ok(payouts) = self.payouts.lock() else { return vec![] };
        payouts
            .iter()
            .filter(|p| p.account_number == account_number && p.reported)
            .map(|p| StatementLine { payout_id: p.id.to_string(), amount: p.amount.to_string(), at: p.asked_at })
            .collect()
    }

    /// Signs a callback body as the provider would (the sandbox's tests send it twice).
    pub fn sign(&self, body: &str) -> String {
        callback_signature(&self.secret, body.as_bytes())
    }
}

#[async_trait]
impl PayoutProvider for SandboxPayouts {
    async fn pay(&self, payout: Payout<'_>) -> Result<()> {
        if let Ok(mut payouts) = self.payouts.lock() {
            // `0008`: the provider does not answer the first time it is asked for a payout.
            let first_ask = self.asked.lock().map(|mut asked| asked.insert(payout.id.clone())).unwrap_or(false);
            if payout.account_number.ends_with("0008") && first_ask {
                return Err(crate::error::Error::ProviderUnavailable("the sandbox payout provider timed out".into()));
            }
            if !payouts.iter().any(|p| p.id == *payout.id) {
                payouts.push(SandboxPayout {
                    id: payout.id.clone(),
                    account_number: payout.account_number.to_owned(),
                    amount: payout.amount,
                    asked_at: self.clock.now(),
                    reported: false,
                });
            }
            // `0009`: the payout was taken (above) and the answer is lost on the way back.
            if payout.account_number.ends_with("0009") && first_ask {
                return Err(crate::error::Error::ProviderUnavailable("the sandbox payout provider timed out".into()));
            }
        }
        Ok(())
    }

    fn callback_is_authentic(&self, body: &[u8], signature: &str) -> bool {
        authentic(&self.secret, body, signature)
    }
}

/// `POST {endpoint}/payouts` with `{"payout_id", "bank_code", "account_number", "account_name",
/// "amount_fen"}` (idempotent by `payout_id`) answering `{"accepted": true}`; the outcome comes
/// back as a signed callback ([`PayoutCallback`]).
pub struct HttpPayouts {
    api: HttpJson,
    secret: Vec<u8>,
}

impl HttpPayouts {
    pub fn new(endpoint: String, api_key: ApiKey, secret: Vec<u8>) -> Self {
        HttpPayouts { api: HttpJson::new(endpoint, api_key), secret }
    }
}

#[derive(Deserialize)]
struct Accepted {
    #[allow(dead_code, reason = "the answer's shape is checked; its value is not needed")]
    accepted: bool,
}

#[async_trait]
impl PayoutProvider for HttpPayouts {
    async fn pay(&self, payout: Payout<'_>) -> Result<()> {
        let _: Accepted = self
            .api
            .post(
                "/payouts",
                &serde_json::json!({
                    "payout_id": payout.id,
                    "bank_code": payout.bank.code,
                    "account_number": payout.account_number,
                    "account_name": payout.account_name,
                    "amount_fen": payout.amount.0,
                }),
            )
            .await?;
        Ok(())
    }

    fn callback_is_authentic(&self, body: &[u8], signature: &str) -> bool {
        authentic(&self.secret, body, signature)
    }
}

// ---- the receiving accounts' bank -------------------------------------------------------------

/// The bank's notifications carry `X-Signature`, HMAC-SHA256 of the body with the shared secret
/// (production and sandbox alike; the sandbox also signs the ones it "sends").
pub struct SignedBank {
    secret: Vec<u8>,
}

impl SignedBank {
    pub fn new(secret: Vec<u8>) -> Self {
        SignedBank { secret }
    }

    pub fn sign(&self, body: &str) -> String {
        callback_signature(&self.secret, body.as_bytes())
    }

    /// The sandbox's inbound transfer notification, signed as the bank would (local only): the
    /// body and its signature.
    pub fn sandbox_notification(&self, transfer: &InboundTransfer) -> (String, String) {
        let body = serde_json::to_string(transfer).unwrap_or_default();
        let signature = self.sign(&body);
        (body, signature)
    }
}

impl InboundBank for SignedBank {
    fn notification_is_authentic(&self, body: &[u8], signature: &str) -> bool {
        authentic(&self.secret, body, signature)
    }
}

// ---- risk rules -------------------------------------------------------------------------------

#[derive(Default)]
pub struct SandboxRisk;

#[async_trait]
impl RiskRules for SandboxRisk {
    async fn transfer_hits(&self, _account: &AccountId, _uscc: &Uscc, account_number: &str) -> Result<bool> {
        Ok(account_number.ends_with("0006"))
    }
}

/// `POST {endpoint}/checks/corporate-transfer` with `{"account_id", "uscc", "account_number"}`
/// answering `{"hit": bool}`.
pub struct HttpRisk {
    api: HttpJson,
}

impl HttpRisk {
    pub fn new(endpoint: String, api_key: ApiKey) -> Self {
        HttpRisk { api: HttpJson::new(endpoint, api_key) }
    }
}

#[derive(Deserialize)]
struct RiskAnswer {
    hit: bool,
}

#[async_trait]
impl RiskRules for HttpRisk {
    async fn transfer_hits(&self, account: &AccountId, uscc: &Uscc, account_number: &str) -> Result<bool> {
        let a: RiskAnswer = self
            .api
            .post(
                "/checks/corporate-transfer",
                &serde_json::json!({ "account_id": account, "uscc": uscc, "account_number": account_number }),
            )
            .await?;
        Ok(a.hit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_registry_answers_by_the_code() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let code = |first17: &str| {
            Uscc::parse(&format!("{first17}{}", crate::domain::enterprise::uscc::check_character(first17).unwrap()))
                .unwrap()
        };
        let found = sandbox_record(&code("91350100M00010012"), "甲公司", today).unwrap();
        assert_eq!((found.types.as_slice(), found.payment_licence), (&[OrgType::Enterprise][..], false));
        assert!(sandbox_record(&code("913501000000012AB"), "甲公司", today).is_none());
        let recent = sandbox_record(&code("913501000000712AB"), "甲公司", today).unwrap();
        assert_eq!(recent.registered_on, today - Duration::days(3));
        assert!(sandbox_record(&code("913501000000912AB"), "甲公司", today).unwrap().payment_licence);
    }
}
