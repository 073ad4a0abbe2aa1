//! Signing in with username and password [LOGIN-1, LOGIN-6]. An unknown username and a wrong
//! password get the same answer after the same work (a password verification, failure counting).

use super::codes::{self, CodeSent};
use super::factors::{self, FactorProof};
use super::Caller;
use crate::crypto::password;
use crate::domain::code::Purpose;
use crate::domain::email::Email;
use crate::domain::ids::new_opaque_id;
use crate::domain::password::Password;
use crate::domain::phone::Phone;
use crate::domain::security::{self, available_factors, Factor};
use crate::domain::session::{SignInMethod, MAX_SESSION_LIFETIME};
use crate::domain::throttle::{self, locked_for};
use crate::error::{Error, Result};
use crate::ports::NewSession;
use crate::services::Services;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

const MAX_USER_AGENT: usize = 256;

#[derive(Debug)]
pub struct SignIn {
    /// As typed: an unparseable name is simply a name no account has.
    pub username: String,
    pub password: Password,
    /// Which account system the name belongs to (a passport account's username); a phone number
    /// or an email address always means a passport account.
    pub passport: bool,
}

/// A password sign-in either yields a session or, under login protection, a pending flow that
/// names the factors that may complete it [LOGIN-3].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInOutcome {
    SignedIn(SignedIn),
    SecondFactorRequired { flow_id: String, factors: Vec<&'static str>, expires_at: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub access_token: String,
    pub session_id: String,
    pub account_id: String,
    pub idle_timeout_secs: i64,
    pub expires_at: DateTime<Utc>,
    pub activation_pending: bool,
}

pub async fn sign_in(services: &Services, request: SignIn, caller: &Caller) -> Result<SignInOutcome> {
    let now = services.clock.now();
    let username_key = login_key_of(services, &request.username, request.passport);
    let user_throttle = format!("login-user:{}", services.keys.keyed_hash("username", &username_key));
    let source_throttle = format!("login-src:{}", services.keys.keyed_hash("source", &caller.source_ip));
    let facts = services.sign_in.facts(&username_key, &user_throttle, &source_throttle).await?;

    let locked = locked_for(facts.username_window, throttle::MAX_FAILURES_PER_USERNAME, now)
        .into_iter()
        .chain(locked_for(facts.source_window, throttle::MAX_FAILURES_PER_SOURCE, now))
        .max();
    if let Some(retry_after_secs) = locked {
        return Err(Error::SignInLocked { retry_after_secs });
    }

    let stored = facts.credential.as_ref().map(|c| c.password_hash.as_str()).filter(|h| !h.is_empty());
    let verified = password::verify(&request.password, stored).await?;
    let credential = match (verified, facts.credential) {
        (true, Some(credential)) => credential,
        _ => {
            services.sign_in.record_failure(&[&user_throttle, &source_throttle], now, throttle::WINDOW).await?;
            return Err(Error::InvalidCredentials);
        }
    };

    let clear = facts.username_window.is_some().then_some(user_throttle.as_str());
    if credential.login_protection {
        let flow_id = new_opaque_id();
        let expires_at = now + security::LOGIN_FLOW_TTL;
        let flow = PendingSignIn {
            account_id: credential.account_id,
            login_key: credential.login_key.clone(),
            idle_timeout_secs: credential.idle_timeout_secs,
            activated: credential.activated,
        };
        services
            .flows
            .put_flow(
                &flow_key(&flow_id),
                serde_json::to_value(&flow).map_err(|e| Error::internal("encode sign-in flow", e))?,
                expires_at,
            )
            .await?;
        let factors = available_factors(credential.totp_bound).into_iter().map(Factor::as_str).collect();
        return Ok(SignInOutcome::SecondFactorRequired { flow_id, factors, expires_at });
    }
    let whom = SessionFor {
        account_id: &credential.account_id,
        login_key: &credential.login_key,
        idle_timeout_secs: credential.idle_timeout_secs,
        activation_pending: !credential.activated,
    };
    let signed_in = start_session(services, whom, SignInMethod::Password, caller, clear).await?;
    Ok(SignInOutcome::SignedIn(signed_in))
}

/// The credential key a sign-in name points to: a cloud account's username (case-insensitive)
/// [LOGIN-1], or a passport account's phone, email or username, aliases of its credential
/// [LOGIN-2].
pub(crate) fn login_key_of(services: &Services, identifier: &str, passport: bool) -> String {
    let id = identifier.trim();
    if !id.chars().any(char::is_alphabetic) {
        if let Ok(phone) = Phone::parse(id) {
            return format!("phone:{}", codes::phone_target(services, &phone));
        }
    }
    if id.contains('@') {
        if let Ok(email) = Email::parse(id) {
            return format!("email:{}", codes::email_target(services, email.as_str()));
        }
    }
    let name: String = id.to_ascii_lowercase().chars().filter(|c| *c != ':').take(64).collect();
    if passport {
        format!("passport-name:{name}")
    } else {
        name
    }
}

/// The cloud username a credential key stands for (a password must not contain it); passport
/// credentials (`pp:<id>`) have none.
pub(crate) fn username_of(login_key: &str) -> &str {
    if login_key.contains(':') {
        ""
    } else {
        login_key
    }
}

/// A sign-in whose password passed, waiting for its second factor [LOGIN-3].
#[derive(Debug, Serialize, Deserialize)]
struct PendingSignIn {
    account_id: String,
    login_key: String,
    idle_timeout_secs: i64,
    #[serde(default = "yes")]
    activated: bool,
}

fn yes() -> bool {
    true
}

fn flow_key(id: &str) -> String {
    format!("sign-in:{id}")
}

async fn pending(services: &Services, flow_id: &str) -> Result<(PendingSignIn, u32)> {
    let flow = services
        .flows
        .flow(&flow_key(flow_id))
        .await?
        .filter(|f| f.expires_at > services.clock.now())
        .ok_or(Error::SignInFlowInvalid)?;
    if flow.attempts >= security::MAX_SECOND_FACTOR_ATTEMPTS {
        return Err(Error::SecondFactorAttemptsExceeded);
    }
    let body = serde_json::from_value(flow.body).map_err(|e| Error::internal("decode sign-in flow", e))?;
    Ok((body, flow.attempts))
}

/// Sends the SMS factor of a pending sign-in to the account's bound phone.
pub async fn send_sign_in_code(services: &Services, flow_id: &str, caller: &Caller) -> Result<CodeSent> {
    let (flow, _) = pending(services, flow_id).await?;
    codes::send_code_to_account_phone(services, &flow.account_id, Purpose::SignIn, caller).await
}

/// Completes a pending sign-in with a second factor; the session is issued exactly once.
pub async fn complete_sign_in(
    services: &Services,
    flow_id: &str,
    proof: FactorProof,
    caller: &Caller,
) -> Result<SignedIn> {
    let (flow, _) = pending(services, flow_id).await?;
    let record = services.security.security(&flow.login_key).await?.ok_or(Error::SignInFlowInvalid)?;
    if let Err(refusal) =
        factors::verify(services, &flow.account_id, &flow.login_key, &record, &proof, Purpose::SignIn).await
    {
        if matches!(refusal, Error::InvalidField { .. } | Error::SignInLocked { .. } | Error::TotpNotBound) {
            return Err(refusal);
        }
        let attempts =
            services.flows.count_flow_failure(&flow_key(flow_id), security::MAX_SECOND_FACTOR_ATTEMPTS).await?;
        let attempts_left = attempts.map(|a| security::MAX_SECOND_FACTOR_ATTEMPTS.saturating_sub(a));
        return Err(match refusal {
            Error::SecondFactorInvalid { .. } if attempts_left == Some(0) || attempts_left.is_none() => {
                Error::SecondFactorAttemptsExceeded
            }
            Error::SecondFactorInvalid { .. } => Error::SecondFactorInvalid { attempts_left },
            other => other,
        });
    }
    if !services.flows.take_flow(&flow_key(flow_id), services.clock.now(), security::MAX_SECOND_FACTOR_ATTEMPTS).await?
    {
        return Err(Error::SignInFlowInvalid);
    }
    let whom = SessionFor {
        account_id: &flow.account_id,
        login_key: &flow.login_key,
        idle_timeout_secs: flow.idle_timeout_secs,
        activation_pending: !flow.activated,
    };
    start_session(services, whom, SignInMethod::PasswordAndSecondFactor, caller, None).await
}

/// Who a new session is for.
pub(crate) struct SessionFor<'a> {
    pub account_id: &'a str,
    pub login_key: &'a str,
    pub idle_timeout_secs: i64,
    /// The account still has to accept the agreements [REG-4].
    pub activation_pending: bool,
}

pub(crate) async fn start_session(
    services: &Services,
    whom: SessionFor<'_>,
    method: SignInMethod,
    caller: &Caller,
    clear_throttle: Option<&str>,
) -> Result<SignedIn> {
    let now = services.clock.now();
    let session = NewSession {
        session_id: new_opaque_id(),
        account_id: whom.account_id.into(),
        login_key: whom.login_key.into(),
        method: method.as_str(),
        user_agent: caller.user_agent.chars().take(MAX_USER_AGENT).collect(),
        created_at: now,
        idle_timeout_secs: whom.idle_timeout_secs,
        expires_at: now + MAX_SESSION_LIFETIME,
        activation_pending: whom.activation_pending,
    };
    services.sessions.create(&session, clear_throttle).await?;
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
        activation_pending: session.activation_pending,
    })
}
