//! The security record: the credential item (password, protection, MFA device, recovery codes).

use crate::domain::ids::AccountId;
use crate::domain::login::CredentialRef;
use crate::domain::redacted::Redacted;
use crate::domain::security::{ChosenFactors, Means};
use crate::error::Result;
use async_trait::async_trait;
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
pub struct SecurityRecord {
    pub account_id: AccountId,
    pub password_hash: Redacted<String>,
    pub login_protection: bool,
    pub operation_protection: bool,
    /// The factors chosen for login and for operation protection [MFA-1].
    pub login_factors: ChosenFactors,
    pub operation_factors: ChosenFactors,
    pub idle_timeout_secs: i64,
    pub totp_secret_encrypted: Option<Redacted<String>>,
    pub totp_last_step: Option<i64>,
    /// Keyed hashes of the unused recovery codes.
    pub recovery_codes: Redacted<BTreeSet<String>>,
    /// The account's session generation: a session signed in now is born in it [issue 15].
    pub session_generation: u64,
    /// False for a passport or legacy account until it accepts the agreements [REG-4].
    pub activated: bool,
    /// How many passkeys the credential has [KEY-1] (the credential item's `passkey_ids`).
    pub passkeys: usize,
}

impl SecurityRecord {
    pub fn totp_bound(&self) -> bool {
        self.totp_secret_encrypted.is_some()
    }

    /// What the account can pass a second factor with besides its phone [MFA-1, KEY-2].
    pub fn means(&self) -> Means {
        Means { totp_bound: self.totp_bound(), passkey: self.passkeys > 0 }
    }

    pub fn recovery_codes_left(&self) -> usize {
        self.recovery_codes.expose().len()
    }
}

/// One change to a security record, applied with a condition that makes it safe under races.
#[derive(Debug, Clone)]
pub enum SecurityChange {
    Password {
        hash: Redacted<String>,
    },
    Protection {
        login: bool,
        operation: bool,
        login_factors: ChosenFactors,
        operation_factors: ChosenFactors,
    },
    IdleTimeout {
        secs: i64,
    },
    /// Only if no TOTP is bound yet.
    BindTotp {
        secret_encrypted: Redacted<String>,
        step: i64,
        recovery_code_hashes: Vec<String>,
    },
    /// Also sets the protections' factors (virtual MFA alone becomes SMS).
    UnbindTotp {
        login_factors: ChosenFactors,
        operation_factors: ChosenFactors,
    },
    /// Only if `step` is later than the last accepted step [MFA-6].
    UseTotpStep {
        step: i64,
    },
    /// Only if the code is still unused.
    UseRecoveryCode {
        hash: String,
    },
    ReplaceRecoveryCodes {
        hashes: Vec<String>,
    },
}

#[async_trait]
pub trait SecurityStore: Send + Sync {
    async fn security(&self, credential: &CredentialRef) -> Result<Option<SecurityRecord>>;
    /// Applies the change to the account's record; `false` when its condition does not hold.
    async fn change_security(
        &self,
        credential: &CredentialRef,
        account_id: &AccountId,
        change: SecurityChange,
    ) -> Result<bool>;
}
