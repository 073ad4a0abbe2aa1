//! Passkeys (WebAuthn) [KEY-1, KEY-2]: a passport or cloud account registers up to
//! [`MAX_PASSKEYS`] under operation protection, names, lists and removes them (removing the last
//! never locks the account out: the password stays); a passkey signs in with or without a
//! username and that sign-in counts as both factors; a passkey is also a factor the owner can
//! choose for login and operation protection.
//!
//! Each ceremony (a registration, a sign-in, a step-up) is a stored flow holding the library's
//! state server side (never in a cookie the client can edit): single-use, 5 minutes.
//!
//! ```text
//! open --use (the answer verified or not)--> used
//!   '-- 5 minutes: over
//! ```
//!
//! A signature counter that does not move forward (a cloned key) is refused and reported to the
//! owner; the stored counter moves with a conditional write, so two assertions verified at once
//! cannot both move it to the same value.

use super::flow::{Flow, FlowKind};
use super::ids::AccountId;
use super::login::CredentialRef;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// At most this many passkeys per account [KEY-1].
pub const MAX_PASSKEYS: u32 = 10;
/// A ceremony's challenge lives this long [KEY-1].
pub const CEREMONY_TTL: Duration = Duration::minutes(5);
/// The longest name of a passkey.
pub const MAX_NAME_CHARS: usize = 64;

/// A passkey's name as its owner gave it: 1 to 64 characters, no control characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasskeyName(String);

impl PasskeyName {
    pub fn parse(raw: &str) -> Result<PasskeyName, &'static str> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err("1 to 64 characters");
        }
        if name.chars().any(char::is_control) {
            return Err("no control characters");
        }
        Ok(PasskeyName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether an assertion's signature counter moves forward from the stored one: an authenticator
/// that keeps no counter sends 0 every time (synced passkeys do); any other must grow. A counter
/// that does not is a cloned key's [KEY-1].
pub fn counter_moves_forward(stored: u32, presented: u32) -> bool {
    (stored == 0 && presented == 0) || presented > stored
}

/// What a ceremony is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum CeremonyPurpose {
    /// The signed-in owner registers a passkey (its name given at the start).
    Register { account_id: AccountId, credential: CredentialRef, name: PasskeyName },
    /// A sign-in: discoverable (`anyone`: any account's key), or after a username (only that
    /// credential's keys; `named` is none when the name matched nothing, which gets the same
    /// ceremony and fails at the end alike).
    SignIn {
        named: Option<CredentialRef>,
        anyone: bool,
        /// After a username: its failure window's key (keyed hash, whether or not the name
        /// matched), whose tries at the caller's source the sign-in spends [LOGIN-6].
        #[serde(default)]
        name_window: Option<String>,
    },
    /// A signed-in owner's step-up by passkey, for operation protection [KEY-2]: one of that
    /// credential's keys, on that session.
    StepUp { account_id: AccountId, credential: CredentialRef, session_id: super::ids::SessionId },
    /// A pending sign-in's second factor, where login protection takes a passkey [KEY-2]: one of
    /// that sign-in's credential's keys.
    SecondFactor { sign_in_id: super::ids::FlowId },
}

/// A ceremony in progress: the library's state (JSON), kept server side.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasskeyCeremony {
    pub purpose: CeremonyPurpose,
    pub state: String,
    pub expires_at: DateTime<Utc>,
    #[serde(default)]
    pub used: bool,
}

/// A ceremony's one step: its answer is checked once, whatever the outcome.
pub struct UseCeremony;

/// A ceremony already answered, or over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CeremonyOver;

impl PasskeyCeremony {
    pub fn new(purpose: CeremonyPurpose, state: String, now: DateTime<Utc>) -> PasskeyCeremony {
        PasskeyCeremony { purpose, state, expires_at: now + CEREMONY_TTL, used: false }
    }
}

impl Flow for PasskeyCeremony {
    const KIND: FlowKind = FlowKind::PasskeyCeremony;
    type Event<'a> = UseCeremony;
    type Refusal = CeremonyOver;

    fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    fn apply(self, _: UseCeremony, now: DateTime<Utc>) -> Result<Self, CeremonyOver> {
        if self.used || now >= self.expires_at {
            return Err(CeremonyOver);
        }
        Ok(PasskeyCeremony { used: true, ..self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PasskeyName::parse("  Work laptop ").unwrap().as_str(), "Work laptop");
        assert!(PasskeyName::parse("   ").is_err());
        assert!(PasskeyName::parse(&"k".repeat(65)).is_err());
        assert!(PasskeyName::parse("a\u{7}b").is_err());
        assert_eq!(PasskeyName::parse("手机").unwrap().as_str(), "手机");
    }

    #[test]
    fn a_counter_must_grow_unless_the_authenticator_keeps_none() {
        assert!(counter_moves_forward(0, 0), "synced passkeys send 0");
        assert!(counter_moves_forward(0, 1) && counter_moves_forward(5, 6));
        assert!(!counter_moves_forward(5, 5) && !counter_moves_forward(5, 4) && !counter_moves_forward(5, 0));
    }

    #[test]
    fn a_ceremony_is_answered_once_within_five_minutes() {
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 10, 0, 0).single().unwrap();
        let open = PasskeyCeremony::new(
            CeremonyPurpose::SignIn { named: None, anyone: true, name_window: None },
            "{}".into(),
            now,
        );
        let used = open.clone().apply(UseCeremony, now + Duration::minutes(4)).unwrap();
        assert_eq!(used.apply(UseCeremony, now).unwrap_err(), CeremonyOver, "single-use");
        assert_eq!(open.apply(UseCeremony, now + CEREMONY_TTL).unwrap_err(), CeremonyOver, "expired");
    }
}
