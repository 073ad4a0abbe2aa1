//! Passkeys kept per credential [KEY-1]: each in an item of its own (found by its id when a
//! discoverable sign-in presents it), the credential listing their ids; at most
//! [`crate::domain::passkey::MAX_PASSKEYS`], a limit the store enforces under concurrency.

use crate::domain::ids::AccountId;
use crate::domain::login::CredentialRef;
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A registered passkey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyRecord {
    /// The WebAuthn credential id, base64url.
    pub passkey_id: String,
    /// Whose sign-in it is.
    pub credential: CredentialRef,
    pub account_id: AccountId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
    /// The authenticator's kind, where its answer said (`platform`, `cross-platform`).
    #[serde(default)]
    pub authenticator: Option<String>,
    /// The signature counter last presented.
    pub counter: u32,
    /// The relying party's record of the key (its public key and flags), as JSON.
    pub key: String,
}

/// How adding a passkey ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasskeyAdded {
    Added,
    /// The credential has as many passkeys as allowed.
    Full,
    /// The key is registered already (to this account or another).
    Taken,
}

#[async_trait]
pub trait PasskeyStore: Send + Sync {
    /// Adds the passkey to its credential unless it holds `max` already or the key is registered.
    async fn add_passkey(&self, record: &PasskeyRecord, max: u32) -> Result<PasskeyAdded>;
    /// The credential's passkeys, oldest first.
    async fn passkeys_of(&self, credential: &CredentialRef) -> Result<Vec<PasskeyRecord>>;
    /// A passkey by its id.
    async fn passkey(&self, passkey_id: &str) -> Result<Option<PasskeyRecord>>;
    /// A sign-in used the passkey: its counter moves from `from` to `to` (and its key record
    /// with it) if nobody moved it meanwhile (false otherwise).
    async fn passkey_used(&self, passkey_id: &str, from: u32, to: u32, key: &str, at: DateTime<Utc>) -> Result<bool>;
    /// Renames the credential's passkey (false: it has no such passkey).
    async fn rename_passkey(&self, credential: &CredentialRef, passkey_id: &str, name: &str) -> Result<bool>;
    /// Removes the credential's passkey (false: it has no such passkey).
    async fn remove_passkey(&self, credential: &CredentialRef, passkey_id: &str) -> Result<bool>;
}

/// A registration or sign-in ceremony begun: the options for the browser
/// (`{"publicKey": {...}}`), and the relying party's state to keep server side.
pub struct CeremonyBegun {
    pub options: serde_json::Value,
    pub state: String,
}

/// A key the browser's answer registered.
pub struct NewPasskey {
    /// The credential id, base64url.
    pub passkey_id: String,
    /// The relying party's record of the key, as JSON.
    pub key: String,
    pub authenticator: Option<String>,
}

/// What a checked assertion showed.
pub enum Assertion {
    /// The signature holds: the counter presented, and the key's record as it is now.
    Verified { counter: u32, key: String },
    /// The counter did not move forward: a cloned key [KEY-1].
    CounterWentBack,
    /// Anything else (signature, origin, challenge, user verification).
    Refused,
}

/// The WebAuthn relying party: passkey ceremonies only (no attestation).
pub trait PasskeyCeremonies: Send + Sync {
    /// Registration options for the user `handle` (16 bytes), excluding the keys it has.
    fn begin_registration(&self, handle: [u8; 16], name: &str, exclude: &[String]) -> Result<CeremonyBegun>;
    /// The browser's answer checked against the state: the new key, or `None` when refused.
    fn finish_registration(&self, answer: &serde_json::Value, state: &str) -> Result<Option<NewPasskey>>;
    /// Sign-in options that name no key (a discoverable credential answers).
    fn begin_sign_in(&self) -> Result<CeremonyBegun>;
    /// The user handle and key id an assertion names (none when it names none).
    fn identify(&self, answer: &serde_json::Value) -> Option<([u8; 16], String)>;
    /// The assertion checked against the state and the stored key.
    fn finish_sign_in(&self, answer: &serde_json::Value, state: &str, key: &str) -> Result<Assertion>;
}
