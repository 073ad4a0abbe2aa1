//! Outside parties: SMS, email, face check, bank-card check, the platform's resource directory.
//! Each has a production HTTP adapter and a documented sandbox.

use crate::error::Result;
use async_trait::async_trait;

#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send(&self, phone_e164: &str, text: &str) -> Result<()>;
}

#[async_trait]
pub trait EmailSender: Send + Sync {
    async fn send(&self, to: &str, subject: &str, text: &str) -> Result<()>;
}

/// A face-check session the provider opened: the mobile app scans `qr_payload`.
#[derive(Debug, Clone)]
pub struct FaceSession {
    pub provider_session_id: String,
    pub qr_payload: String,
}

#[async_trait]
pub trait FaceCheck: Send + Sync {
    /// Opens a session for the person; the result arrives later by a signed callback.
    async fn start(&self, reference: &str, name: &str, id_number: &str) -> Result<FaceSession>;
    /// Whether a callback body carries the provider's signature.
    fn callback_is_authentic(&self, body: &[u8], signature: &str) -> bool;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BankCardResult {
    /// The bank confirms name, ID number, card number and phone belong together.
    Match,
    Mismatch,
}

/// What the provider says it did with a check, asked by the check's idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckRecord {
    /// Nothing was checked under this key (the bank was never asked).
    NotChecked,
    /// The bank checked the four elements under this key, whatever it answered.
    Checked,
}

/// The four elements to check (personal data all four: its `Debug` shows none).
#[derive(Clone, Copy)]
pub struct FourElements<'a> {
    pub name: &'a str,
    pub id_number: &'a str,
    pub card_number: &'a str,
    pub phone: &'a str,
}

impl std::fmt::Debug for FourElements<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FourElements").finish_non_exhaustive()
    }
}

#[async_trait]
pub trait BankCardCheck: Send + Sync {
    /// The four-element check, sent with an idempotency key (the provider checks at most once per
    /// key); a provider that does not answer (a time-out) is `ProviderUnavailable`.
    async fn check(&self, idempotency_key: &str, elements: FourElements<'_>) -> Result<BankCardResult>;
    /// Whether anything was checked under the key (asked after a time-out); a provider that
    /// does not answer is `ProviderUnavailable`: unknown.
    async fn checked(&self, idempotency_key: &str) -> Result<CheckRecord>;
}

/// What another product of the platform owns: servers (by IP), domains, ICP filings [REC-3]; and
/// which accounts hold offline framework contracts [CHG-3].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    ServerIp,
    Domain,
    IcpFiling,
}

#[async_trait]
pub trait ResourceDirectory: Send + Sync {
    /// The accounts that own the resource (other products own that data).
    async fn owners(&self, kind: ResourceKind, value: &str) -> Result<Vec<crate::domain::ids::AccountId>>;
    /// Whether the account may change its enterprise subject online: an account under an offline
    /// framework contract (the platform's contracts) changes through its account manager [CHG-3].
    async fn subject_change_eligible(&self, account: &crate::domain::ids::AccountId) -> Result<bool>;
    /// What billing, orders, resources, complaints and the enterprise organisation report about
    /// the account, for its deletion check [DEL-1].
    async fn standing(
        &self,
        account: &crate::domain::ids::AccountId,
    ) -> Result<crate::domain::deletion::PlatformStanding>;
}
