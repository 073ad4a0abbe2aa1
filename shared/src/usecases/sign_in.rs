//! Signing in with username and password [LOGIN-1, LOGIN-6]. An unknown username and a wrong
//! password get the same answer after the same work (a password verification, failure counting).

use super::codes::{self, CodeSent};
use super::deps::{HasAccounts, HasClock, HasCodes, HasFlows, HasKeys, HasOutbox, HasSecurity, HasSignIn, HasSteps};
use super::factors::{self, FactorProof, Judged};
use super::Caller;
use crate::crypto::password;
use crate::domain::code::Purpose;
use crate::domain::email::Email;
use crate::domain::flow::{Closed, Flow, Progress, Step, Versioned};
use crate::domain::ids::{AccountId, FlowId, SessionId};
use crate::domain::login::{CredentialRef, LoginName};
use crate::domain::password::Password;
use crate::domain::phone::Phone;
use crate::domain::redacted::Redacted;
use crate::domain::security::{self, ChosenFactors, Factor, Means, MAX_SECOND_FACTOR_ATTEMPTS};
use crate::domain::session::{SignInMethod, MAX_SESSION_LIFETIME};
use crate::domain::sign_in::PendingSignIn;
use crate::domain::throttle::{self, Throttle};
use crate::error::{Error, Result};
use crate::ports::{NewSession, Settle, TryToken, Write};
use chrono::{DateTime, Utc};

const MAX_USER_AGENT: usize = 256;

#[derive(Debug)]
pub struct SignIn {
    /// As typed: an unparseable name is simply a name no account has.
    pub username: String,
    pub password: Password,
    /// Which account system the name belongs to (a passport account's username); a phone number
    /// or an email address always means a passport account.
    pub passport: bool,
    /// A solved captcha, which lets a sign-in through a username's failure window from a source
    /// that did not fill it (the owner, when someone else keeps failing) [LOGIN-6].
    pub captcha: Option<(FlowId, String)>,
    /// A sub-user's sign-in: the main account it belongs to [LOGIN-5].
    pub sub_user_of: Option<AccountId>,
}

/// A password sign-in either yields a session or, under login protection, a pending flow that
/// names the factors that may complete it [LOGIN-3].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInOutcome {
    SignedIn(SignedIn),
    SecondFactorRequired {
        flow_id: FlowId,
        factors: Vec<Factor>,
        expires_at: DateTime<Utc>,
    },
    /// A sub-user whose main account requires 2FA and who has no device yet: it binds one to
    /// complete the sign-in [LOGIN-5].
    MfaBindingRequired {
        flow_id: FlowId,
        expires_at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub access_token: Redacted<String>,
    pub session_id: SessionId,
    pub account_id: AccountId,
    pub idle_timeout_secs: i64,
    pub expires_at: DateTime<Utc>,
    pub activation_pending: bool,
}

pub async fn sign_in(
    deps: &(impl HasClock + HasKeys + HasSignIn + HasSteps + HasFlows),
    request: SignIn,
    caller: &Caller,
) -> Result<SignInOutcome> {
    let now = deps.clock().now();
    let name = match &request.sub_user_of {
        Some(main) => LoginName::SubUser(main.clone(), normalised_name(&request.username)),
        None => login_name_of(deps, &request.username, request.passport),
    };
    let windows = PasswordWindows::new(deps, name_window(deps, &name), caller);
    // The credential is read while the try is reserved.
    let (reserved, credential) =
        futures::future::join(windows.reserve(deps, request.captcha.as_ref(), now), deps.sign_in().credential(&name))
            .await;
    let reserved = reserved?;
    let credential = credential?;
    let stored = credential.as_ref().map(|c| c.password_hash.expose().as_str()).filter(|h| !h.is_empty());
    let verified = password::verify(&request.password, stored).await?;
    let credential = match (verified, credential) {
        (true, Some(credential)) => credential,
        // The reserved tries stay counted as failures.
        _ => return Err(Error::InvalidCredentials),
    };

    let settle = windows.on_success(&reserved);
    let whom = SessionFor {
        account_id: &credential.account_id,
        credential: &credential.credential,
        idle_timeout_secs: credential.idle_timeout_secs,
        activation_pending: !credential.activated,
        generation: credential.session_generation,
    };
    let protection =
        Protection { login: credential.login_protection, factors: credential.login_factors, means: credential.means };
    let settled = settle.iter().map(|s| Write::Settle(s, now)).collect();
    first_factor_passed(deps, whom, protection, SignInMethod::Password, caller, settled)
        .await?
        .ok_or_else(|| Error::internal("sign in", "a new session's write was refused"))
}

/// What login protection asks of a sign-in [LOGIN-3].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Protection {
    pub login: bool,
    /// The factors the owner chose for it [MFA-1].
    pub factors: ChosenFactors,
    /// What the account can pass a second factor with.
    pub means: Means,
}

impl Protection {
    pub(crate) fn of(record: &crate::ports::SecurityRecord) -> Self {
        Protection { login: record.login_protection, factors: record.login_factors, means: record.means() }
    }
}

/// Any sign-in method's first factor passed: a session, or under login protection a pending
/// sign-in that a second factor completes, written in one transaction with `with` (the sign-in
/// step's own writes); `None` when a condition of those failed. The factor the method itself
/// proved (the SMS code of an SMS sign-in) does not count as the second one [LOGIN-3].
pub(crate) async fn first_factor_passed(
    deps: &(impl HasClock + HasKeys + HasSteps),
    whom: SessionFor<'_>,
    protection: Protection,
    method: SignInMethod,
    caller: &Caller,
    with: Vec<Write<'_>>,
) -> Result<Option<SignInOutcome>> {
    let mut writes = with;
    if !protection.login {
        let session = new_session(deps, &whom, method, caller);
        writes.push(Write::CreateSession(&session));
        let written = deps.steps().write(&writes).await?.is_ok();
        return written.then(|| signed_in(deps, &session).map(SignInOutcome::SignedIn)).transpose();
    }
    let now = deps.clock().now();
    let flow_id = FlowId::generate();
    let expires_at = now + security::LOGIN_FLOW_TTL;
    let flow = PendingSignIn {
        account_id: whom.account_id.clone(),
        credential: whom.credential.clone(),
        idle_timeout_secs: whom.idle_timeout_secs,
        activated: !whom.activation_pending,
        expires_at,
        progress: Progress::default(),
        method,
        session_generation: whom.generation,
    };
    // A sub-user has no phone: required 2FA is the virtual MFA device, bound now if need be.
    if whom.credential.main_account().is_some() && !protection.means.totp_bound {
        writes.push(Write::NewSignIn(&flow_id, &flow));
        let written = deps.steps().write(&writes).await?.is_ok();
        return Ok(written.then(|| SignInOutcome::MfaBindingRequired { flow_id: flow_id.clone(), expires_at }));
    }
    let factors: Vec<Factor> = protection
        .factors
        .passing(protection.means)
        .into_iter()
        .filter(|f| Some(*f) != method.proven_factor())
        .collect();
    if factors.is_empty() {
        return Err(Error::SecondFactorUnavailable);
    }
    writes.push(Write::NewSignIn(&flow_id, &flow));
    let written = deps.steps().write(&writes).await?.is_ok();
    Ok(written.then(|| SignInOutcome::SecondFactorRequired { flow_id: flow_id.clone(), factors, expires_at }))
}

/// The name a sign-in or recovery refers to: a cloud account's username (case-insensitive)
/// [LOGIN-1], or a passport account's phone, email or username, aliases of its credential
/// [LOGIN-2].
pub(crate) fn login_name_of(deps: &impl HasKeys, identifier: &str, passport: bool) -> LoginName {
    let id = identifier.trim();
    if !id.chars().any(char::is_alphabetic) {
        if let Ok(phone) = Phone::parse(id) {
            return LoginName::Phone(codes::phone_target(deps, &phone));
        }
    }
    if id.contains('@') {
        if let Ok(email) = Email::parse(id) {
            return LoginName::Email(codes::email_target(deps, email.as_str()));
        }
    }
    let name = normalised_name(id);
    if passport {
        LoginName::PassportName(name)
    } else {
        LoginName::Cloud(name)
    }
}

/// A typed username as a key: lower case, no `:` (key separators), at most 64 characters.
fn normalised_name(typed: &str) -> String {
    typed.trim().to_ascii_lowercase().chars().filter(|c| *c != ':').take(64).collect()
}

/// The failure window of a sign-in name (existing or not), by keyed hash.
/// The failure windows of a password try [LOGIN-6]: the name's from anywhere, the name's from
/// this source, and this source's. A try is reserved in each before the password is checked, so
/// parallel guesses get no more tries than sequential ones. The lock is per source: the name's
/// own window full (someone failing from elsewhere) asks this source for a captcha instead, so
/// nobody can lock the owner out for good. Customers' and staff's sign-ins alike.
pub(crate) struct PasswordWindows {
    user: Throttle,
    user_here: Throttle,
    source: Throttle,
}

impl PasswordWindows {
    /// The windows of `user` (a name's window) tried from the caller's address.
    pub(crate) fn new(deps: &impl HasKeys, user: Throttle, caller: &Caller) -> Self {
        let source = deps.keys().keyed_hash("source", &caller.source_ip);
        let user_here = match &user {
            Throttle::Username(hash) => Throttle::UsernameAtSource(hash.clone(), source.clone()),
            other => other.clone(),
        };
        PasswordWindows { user, user_here, source: Throttle::Source(source) }
    }

    /// Reserves one try in each window (the name's own window last: a burst at one name is
    /// refused there and gives back its other tries); where only the name's own window is full,
    /// a solved captcha lets this source try (`CAPTCHA_REQUIRED` without one), else
    /// `SIGN_IN_LOCKED`.
    pub(crate) async fn reserve(
        &self,
        deps: &(impl HasKeys + HasSignIn + HasClock + HasFlows),
        captcha: Option<&(FlowId, String)>,
        now: DateTime<Utc>,
    ) -> Result<TryToken> {
        let windows = [
            (&self.source, throttle::MAX_FAILURES_PER_SOURCE),
            (&self.user_here, throttle::MAX_FAILURES_PER_USERNAME),
            (&self.user, throttle::MAX_FAILURES_PER_USERNAME),
        ];
        let full = match deps.sign_in().reserve(&windows, now, throttle::WINDOW).await? {
            Ok(token) => return Ok(token),
            Err(full) => full,
        };
        if full.windows != [2] {
            return Err(Error::SignInLocked { retry_after_secs: full.retry_after_secs });
        }
        let Some((captcha_id, answer)) = captcha else {
            return Err(Error::CaptchaRequired { retry_after_secs: full.retry_after_secs });
        };
        super::captcha::check_captcha(deps, captcha_id, answer).await?;
        deps.sign_in()
            .reserve(&windows[..2], now, throttle::WINDOW)
            .await?
            .map_err(|full| Error::SignInLocked { retry_after_secs: full.retry_after_secs })
    }

    /// What a success settles: the name's windows cleared, the source's try given back.
    pub(crate) fn on_success(&self, reserved: &TryToken) -> [Settle; 3] {
        [
            Settle::Clear(self.user.clone()),
            Settle::Clear(self.user_here.clone()),
            Settle::Refund(self.source.clone(), reserved.clone()),
        ]
    }
}

pub(crate) fn name_window(deps: &impl HasKeys, name: &LoginName) -> Throttle {
    let (domain, text) = match name {
        LoginName::Cloud(n) => ("username", n),
        LoginName::PassportName(n) => ("username/passport-name", n),
        LoginName::Phone(hash) => ("username/phone", hash),
        LoginName::Email(hash) => ("username/email", hash),
        LoginName::SubUser(main, name) => {
            return Throttle::Username(deps.keys().keyed_hash("username/sub-user", &format!("{main}:{name}")));
        }
    };
    Throttle::Username(deps.keys().keyed_hash(domain, text))
}

/// A pending sign-in that can still take a second factor.
pub(crate) async fn pending(deps: &(impl HasClock + HasFlows), flow_id: &FlowId) -> Result<Versioned<PendingSignIn>> {
    let current = deps.flows::<PendingSignIn>().load(flow_id).await?.ok_or(Error::SignInFlowInvalid)?;
    if current.flow.expires_at <= deps.clock().now() {
        return Err(Error::SignInFlowInvalid);
    }
    current.flow.progress.check_open(MAX_SECOND_FACTOR_ATTEMPTS).map_err(closed)?;
    Ok(current)
}

pub(crate) fn closed(c: Closed) -> Error {
    match c {
        Closed::Exhausted => Error::SecondFactorAttemptsExceeded,
        Closed::Expired | Closed::Finished => Error::SignInFlowInvalid,
    }
}

/// Sends the SMS factor of a pending sign-in to the account's bound phone, if login protection
/// accepts SMS [MFA-1].
pub async fn send_sign_in_code(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasSecurity + HasOutbox + HasFlows),
    flow_id: &FlowId,
    caller: &Caller,
) -> Result<CodeSent> {
    let current = pending(deps, flow_id).await?;
    let record = deps.security().security(&current.flow.credential).await?.ok_or(Error::SignInFlowInvalid)?;
    factors::admit(record.login_factors, Factor::Sms, record.means(), current.flow.method.proven_factor())?;
    codes::send_code_to_account_phone(deps, &current.flow.account_id, Purpose::SignIn, caller).await
}

/// Completes a pending sign-in with a second factor; the session is issued exactly once. Three
/// requests (issue 15): the pending sign-in, then what the factor needs, then one write of the
/// outcome: the factor used up, the sign-in finished and the session created together, or the
/// wrong factor counted in the sign-in's tries and the account's window together. The factor is
/// compared on what was read, and counts only through that write, conditional on the versions
/// read, so parallel guesses get five tries.
pub async fn complete_sign_in(
    deps: &(impl HasClock + HasKeys + HasSteps + HasFlows),
    flow_id: &FlowId,
    proof: FactorProof,
    caller: &Caller,
) -> Result<SignedIn> {
    for _ in 0..factors::MAX_RACES {
        let current = pending(deps, flow_id).await?;
        let flow = &current.flow;
        if Some(proof.factor) == flow.method.proven_factor() {
            return Err(Error::invalid("factor", "the factor signed in with does not count as the second one"));
        }
        let check = factors::Check::new(&flow.account_id, &flow.credential, &proof)?;
        let read = deps.steps().read(&check.wanted()).await?;
        let record = check.record(&read).ok_or(Error::SignInFlowInvalid)?;
        factors::admit(record.login_factors, proof.factor, record.means(), flow.method.proven_factor())?;
        if record.session_generation != flow.session_generation {
            // Signed out everywhere since the first factor passed.
            return Err(Error::SignInFlowInvalid);
        }
        let now = deps.clock().now();
        let session = new_session(deps, &SessionFor::pending(flow), flow.method.with_second_factor(), caller);
        let finished = flow.clone().apply(Step::Finish, now).map_err(closed)?;
        let tried = flow.clone().apply(Step::Try, now).map_err(closed)?;
        match check.judge(deps, record, &read, Purpose::SignIn, now)? {
            Judged::Unchecked(unchecked) => return Err(factors::unchecked_error(unchecked)),
            Judged::Passed(mut writes) => {
                writes.extend([Write::SignIn(&current, &finished), Write::CreateSession(&session)]);
                if deps.steps().write(&writes).await?.is_ok() {
                    return signed_in(deps, &session);
                }
            }
            Judged::Wrong(mut writes, sms) => {
                writes.push(Write::SignIn(&current, &tried));
                if deps.steps().write(&writes).await?.is_ok() {
                    return Err(match sms {
                        Some(refusal) => codes::refusal_error(refusal),
                        None => match tried.progress.tries().left(MAX_SECOND_FACTOR_ATTEMPTS) {
                            0 => Error::SecondFactorAttemptsExceeded,
                            left => Error::SecondFactorInvalid { attempts_left: Some(left) },
                        },
                    });
                }
            }
        }
    }
    Err(Error::busy("complete a sign-in", "too many concurrent writes"))
}

/// Who a new session is for.
pub(crate) struct SessionFor<'a> {
    pub account_id: &'a AccountId,
    pub credential: &'a CredentialRef,
    pub idle_timeout_secs: i64,
    /// The account still has to accept the agreements [REG-4].
    pub activation_pending: bool,
    /// The account's session generation, read with the credential.
    pub generation: u64,
}

impl<'a> SessionFor<'a> {
    /// Who a pending sign-in's session is for, once its second factor passed.
    pub(crate) fn pending(flow: &'a PendingSignIn) -> Self {
        SessionFor {
            account_id: &flow.account_id,
            credential: &flow.credential,
            idle_timeout_secs: flow.idle_timeout_secs,
            activation_pending: !flow.activated,
            generation: flow.session_generation,
        }
    }
}

/// A new session, to write with the step that signs in.
pub(crate) fn new_session(
    deps: &impl HasClock,
    whom: &SessionFor<'_>,
    method: SignInMethod,
    caller: &Caller,
) -> NewSession {
    let now = deps.clock().now();
    NewSession {
        session_id: SessionId::generate(),
        account_id: whom.account_id.clone(),
        credential: whom.credential.clone(),
        method,
        user_agent: caller.user_agent.chars().take(MAX_USER_AGENT).collect(),
        created_at: now,
        idle_timeout_secs: whom.idle_timeout_secs,
        expires_at: now + MAX_SESSION_LIFETIME,
        activation_pending: whom.activation_pending,
        generation: whom.generation,
    }
}

/// The answer to a sign-in whose session was written: its token.
pub(crate) fn signed_in(deps: &impl HasKeys, session: &NewSession) -> Result<SignedIn> {
    let token = deps.keys().issue_token(
        session.account_id.as_str(),
        session.session_id.as_str(),
        session.created_at.timestamp(),
        session.expires_at.timestamp(),
    )?;
    Ok(SignedIn {
        access_token: Redacted::new(token),
        session_id: session.session_id.clone(),
        account_id: session.account_id.clone(),
        idle_timeout_secs: session.idle_timeout_secs,
        expires_at: session.expires_at,
        activation_pending: session.activation_pending,
    })
}
