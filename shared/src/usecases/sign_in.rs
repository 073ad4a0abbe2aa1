//! Signing in with username and password [LOGIN-1, LOGIN-6]. An unknown username and a wrong
//! password get the same answer after the same work (a password verification, failure counting).

use super::Caller;
use crate::crypto::password;
use crate::domain::ids::new_opaque_id;
use crate::domain::password::Password;
use crate::domain::session::{SignInMethod, MAX_SESSION_LIFETIME};
use crate::domain::throttle::{self, locked_for};
use crate::error::{Error, Result};
use crate::ports::NewSession;
use crate::services::Services;
use chrono::{DateTime, Utc};

const MAX_USER_AGENT: usize = 256;

#[derive(Debug)]
pub struct SignIn {
    /// As typed: an unparseable name is simply a name no account has.
    pub username: String,
    pub password: Password,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub access_token: String,
    pub session_id: String,
    pub account_id: String,
    pub idle_timeout_secs: i64,
    pub expires_at: DateTime<Utc>,
}

pub async fn sign_in(services: &Services, request: SignIn, caller: &Caller) -> Result<SignedIn> {
    let now = services.clock.now();
    let username_key: String = request
        .username
        .trim()
        .to_ascii_lowercase()
        .chars()
        .take(64)
        .collect();
    let user_throttle = format!(
        "login-user:{}",
        services.keys.keyed_hash("username", &username_key)
    );
    let source_throttle = format!(
        "login-src:{}",
        services.keys.keyed_hash("source", &caller.source_ip)
    );
    let facts = services
        .sign_in
        .facts(&username_key, &user_throttle, &source_throttle)
        .await?;

    let locked = locked_for(
        facts.username_window,
        throttle::MAX_FAILURES_PER_USERNAME,
        now,
    )
    .into_iter()
    .chain(locked_for(
        facts.source_window,
        throttle::MAX_FAILURES_PER_SOURCE,
        now,
    ))
    .max();
    if let Some(retry_after_secs) = locked {
        return Err(Error::SignInLocked { retry_after_secs });
    }

    let stored = facts.credential.as_ref().map(|c| c.password_hash.as_str());
    let verified = password::verify(&request.password, stored).await?;
    let credential = match (verified, facts.credential) {
        (true, Some(credential)) => credential,
        _ => {
            services
                .sign_in
                .record_failure(&[&user_throttle, &source_throttle], now, throttle::WINDOW)
                .await?;
            return Err(Error::InvalidCredentials);
        }
    };

    let session = NewSession {
        session_id: new_opaque_id(),
        account_id: credential.account_id,
        method: SignInMethod::Password.as_str(),
        user_agent: caller.user_agent.chars().take(MAX_USER_AGENT).collect(),
        created_at: now,
        idle_timeout_secs: credential.idle_timeout_secs,
        expires_at: now + MAX_SESSION_LIFETIME,
    };
    let clear = facts
        .username_window
        .is_some()
        .then_some(user_throttle.as_str());
    services.sessions.create(&session, clear).await?;
    Ok(SignedIn {
        access_token: services.keys.issue_token(
            &session.account_id,
            &session.session_id,
            now.timestamp(),
            session.expires_at.timestamp(),
        ),
        session_id: session.session_id,
        account_id: session.account_id,
        idle_timeout_secs: session.idle_timeout_secs,
        expires_at: session.expires_at,
    })
}
