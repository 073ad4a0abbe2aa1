//! Passkeys [KEY-1]: `POST /v1/passkeys/registrations` begins registering one (under operation
//! protection) and `POST /v1/passkeys/registrations/{registration_id}` finishes it with the
//! authenticator's answer; `GET /v1/passkeys` lists them, `PUT /v1/passkeys/{passkey_id}` renames
//! one and `DELETE` removes it (under operation protection); `POST /v1/passkey-sign-ins` begins a
//! sign-in (with or without a username) and `POST /v1/passkey-sign-ins/{sign_in_id}` finishes it
//! with the assertion: a session, login protection satisfied; `POST /v1/step-up/passkey` and
//! `POST /v1/step-up/passkey/{ceremony_id}` pass operation protection with one, and
//! `POST /v1/sessions/second-factor/passkey[/{ceremony_id}]` login protection [KEY-2]. The options and answers are the
//! JSON of the browser's `navigator.credentials.create` / `get` (base64url binary fields).

pub mod registration;
pub mod second_factor;
pub mod sign_in;
pub mod step_up;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use shared::ports::PasskeyRecord;
use shared::usecases::passkeys::Begun;

/// A ceremony begun: pass `options` to `navigator.credentials`, send the answer within 5 minutes.
#[derive(Serialize, JsonSchema)]
pub struct CeremonyAnswer {
    /// The ceremony to answer (`registration_id` or `sign_in_id` in the path).
    ceremony_id: String,
    /// `{"publicKey": {...}}` for `navigator.credentials.create` (registration) or `.get`
    /// (sign-in), binary fields base64url.
    options: serde_json::Value,
    expires_at: DateTime<Utc>,
}

impl From<Begun> for CeremonyAnswer {
    fn from(b: Begun) -> Self {
        CeremonyAnswer { ceremony_id: b.ceremony_id.as_str().to_owned(), options: b.options, expires_at: b.expires_at }
    }
}

/// A passkey as its owner sees it.
#[derive(Serialize, JsonSchema)]
pub struct PasskeyAnswer {
    passkey_id: String,
    name: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    /// `platform` (built into the device) or `cross-platform` (a security key, a phone), where
    /// the authenticator said.
    authenticator: Option<String>,
}

impl From<&PasskeyRecord> for PasskeyAnswer {
    fn from(p: &PasskeyRecord) -> Self {
        PasskeyAnswer {
            passkey_id: p.passkey_id.clone(),
            name: p.name.clone(),
            created_at: p.created_at,
            last_used_at: p.last_used_at,
            authenticator: p.authenticator.clone(),
        }
    }
}

/// The account's passkeys.
#[derive(Serialize, JsonSchema)]
pub struct PasskeysAnswer {
    passkeys: Vec<PasskeyAnswer>,
    /// How many an account may have.
    limit: u32,
}
