//! Passkeys [KEY-1]: the owner registers them (under operation protection) and lists them; a
//! passkey signs in, with or without a username, and that sign-in counts as both factors (login
//! protection is satisfied). Each ceremony is a stored flow (the relying party's state kept server
//! side), answered once within 5 minutes. A signature counter that does not move forward is a
//! cloned key's: the sign-in is refused and the owner told by SMS.
//!
//! Nothing before the signature is checked answers differently for an account that has passkeys
//! and one that has none, or for a name that matches nothing [REC-4]: a sign-in after a username
//! gets the same options (no key listed), and every refusal of the answer is the same.

use super::deps::{
    HasAccounts, HasClock, HasFlows, HasKeys, HasOutbox, HasPasskeyParty, HasPasskeys, HasSecurity, HasSignIn,
    HasSteps, HasSubUsers,
};
use super::factors::{self, record_of, require_step_up};
use super::flows::advance;
use super::sign_in::{
    closed, first_factor_passed, login_name_of, name_window, new_session, pending, signed_in, Protection, SessionFor,
    SignInOutcome, SignedIn,
};
use super::Caller;
use crate::domain::flow::{Flow, Step, Versioned};
use crate::domain::ids::FlowId;
use crate::domain::login::CredentialRef;
use crate::domain::passkey::{
    counter_moves_forward, CeremonyPurpose, PasskeyCeremony, PasskeyName, UseCeremony, MAX_PASSKEYS,
};
use crate::domain::redacted::Redacted;
use crate::domain::security::{Factor, STEP_UP_TTL};
use crate::domain::session::{Principal, SignInMethod};
use crate::domain::throttle::{self, Throttle};
use crate::error::{Error, Result};
use crate::ports::{Assertion, OutboxMessage, PasskeyAdded, PasskeyRecord, Settle, Write};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A ceremony begun: its id (to answer it), the options for the browser, and until when.
#[derive(Debug)]
pub struct Begun {
    pub ceremony_id: FlowId,
    pub options: Value,
    pub expires_at: DateTime<Utc>,
}

/// The user handle of a credential's passkeys: 16 bytes of its keyed hash (stable, naming no
/// account).
fn user_handle(deps: &impl HasKeys, credential: &CredentialRef) -> [u8; 16] {
    let hex = deps.keys().keyed_hash("passkey-user", &credential.to_string());
    let mut handle = [0u8; 16];
    for (i, byte) in handle.iter_mut().enumerate() {
        *byte = hex.get(2 * i..2 * i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).unwrap_or_default();
    }
    handle
}

async fn begin(
    deps: &(impl HasClock + HasFlows),
    purpose: CeremonyPurpose,
    begun: crate::ports::CeremonyBegun,
) -> Result<Begun> {
    let now = deps.clock().now();
    let ceremony = PasskeyCeremony::new(purpose, begun.state, now);
    let ceremony_id = FlowId::generate();
    deps.flows::<PasskeyCeremony>().create(&ceremony_id, &ceremony).await?;
    Ok(Begun { ceremony_id, options: begun.options, expires_at: ceremony.expires_at })
}

/// The ceremony, spent: answered once, within its time (`refused` otherwise).
async fn spend(
    deps: &(impl HasClock + HasFlows),
    id: &FlowId,
    refused: impl Fn() -> Error,
) -> Result<Versioned<PasskeyCeremony>> {
    let ceremony = deps.flows::<PasskeyCeremony>().load(id).await?.ok_or_else(&refused)?;
    let now = deps.clock().now();
    advance(deps.flows::<PasskeyCeremony>(), ceremony, || UseCeremony, now).await?.map_err(|_| refused())
}

/// Whether a credential may have passkeys [KEY-1]: a passport or cloud account's always, a
/// sub-user's while its main account allows it (`PUT /v1/sub-users/settings`).
async fn may_use_passkeys(deps: &impl HasSubUsers, credential: &CredentialRef) -> Result<bool> {
    match credential.main_account() {
        None => Ok(true),
        Some(main) => Ok(deps.sub_users().directory(main).await?.passkeys_allowed),
    }
}

/// Begins registering a passkey named `name`, under operation protection [KEY-1].
pub async fn begin_registration(
    deps: &(impl HasClock + HasKeys + HasFlows + HasSecurity + HasSubUsers + HasPasskeys + HasPasskeyParty),
    principal: &Principal,
    name: &str,
) -> Result<Begun> {
    let name = PasskeyName::parse(name).map_err(|why| Error::invalid("name", why))?;
    if !may_use_passkeys(deps, &principal.credential).await? {
        return Err(Error::PasskeysNotAllowed);
    }
    let record = record_of(deps, principal).await?;
    require_step_up(deps, principal, &record)?;
    let existing = deps.passkeys().passkeys_of(&principal.credential).await?;
    if existing.len() >= MAX_PASSKEYS as usize {
        return Err(Error::PasskeyLimit);
    }
    let exclude: Vec<String> = existing.into_iter().map(|p| p.passkey_id).collect();
    let handle = user_handle(deps, &principal.credential);
    let begun = deps.passkey_party().begin_registration(handle, name.as_str(), &exclude)?;
    let purpose = CeremonyPurpose::Register {
        account_id: principal.account_id.clone(),
        credential: principal.credential.clone(),
        name,
    };
    begin(deps, purpose, begun).await
}

/// Finishes a registration with the authenticator's answer: the passkey, kept (at most
/// [`MAX_PASSKEYS`], enforced by the store under concurrency).
pub async fn finish_registration(
    deps: &(impl HasClock + HasFlows + HasSubUsers + HasPasskeys + HasPasskeyParty),
    principal: &Principal,
    ceremony_id: &FlowId,
    answer: &Value,
) -> Result<PasskeyRecord> {
    let ceremony = spend(deps, ceremony_id, || Error::PasskeyNotRegistered).await?;
    let CeremonyPurpose::Register { account_id, credential, name } = &ceremony.flow.purpose else {
        return Err(Error::PasskeyNotRegistered);
    };
    if *account_id != principal.account_id || *credential != principal.credential {
        return Err(Error::PasskeyNotRegistered);
    }
    if !may_use_passkeys(deps, credential).await? {
        return Err(Error::PasskeysNotAllowed);
    }
    let new = deps.passkey_party().finish_registration(answer, &ceremony.flow.state)?;
    let new = new.ok_or(Error::PasskeyNotRegistered)?;
    let record = PasskeyRecord {
        passkey_id: new.passkey_id,
        credential: credential.clone(),
        account_id: account_id.clone(),
        name: name.as_str().to_owned(),
        created_at: deps.clock().now(),
        last_used_at: None,
        authenticator: new.authenticator,
        counter: 0,
        key: new.key,
    };
    match deps.passkeys().add_passkey(&record, MAX_PASSKEYS).await? {
        PasskeyAdded::Added => Ok(record),
        PasskeyAdded::Full => Err(Error::PasskeyLimit),
        PasskeyAdded::Taken => Err(Error::PasskeyNotRegistered),
    }
}

/// The owner's passkeys, oldest first.
pub async fn my_passkeys(deps: &impl HasPasskeys, principal: &Principal) -> Result<Vec<PasskeyRecord>> {
    deps.passkeys().passkeys_of(&principal.credential).await
}

/// Renames one of the owner's passkeys.
pub async fn rename_passkey(
    deps: &impl HasPasskeys,
    principal: &Principal,
    passkey_id: &str,
    name: &str,
) -> Result<PasskeyRecord> {
    let name = PasskeyName::parse(name).map_err(|why| Error::invalid("name", why))?;
    if !deps.passkeys().rename_passkey(&principal.credential, passkey_id, name.as_str()).await? {
        return Err(Error::NotFound);
    }
    deps.passkeys().passkey(passkey_id).await?.ok_or(Error::NotFound)
}

/// Removes one of the owner's passkeys, under operation protection; the last one too (the
/// password still signs in: nobody is locked out) [KEY-1].
pub async fn remove_passkey(
    deps: &(impl HasClock + HasSecurity + HasPasskeys),
    principal: &Principal,
    passkey_id: &str,
) -> Result<()> {
    let record = record_of(deps, principal).await?;
    require_step_up(deps, principal, &record)?;
    if !deps.passkeys().remove_passkey(&principal.credential, passkey_id).await? {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Begins a passkey sign-in: discoverable (no name), or after a username (its credential kept
/// with the ceremony; the options are the same whether or not it matched) [KEY-1, REC-4].
pub async fn begin_sign_in(
    deps: &(impl HasClock + HasKeys + HasFlows + HasSignIn + HasPasskeyParty),
    username: Option<(&str, bool)>,
) -> Result<Begun> {
    let named = match username {
        Some((name, passport)) => {
            let login_name = login_name_of(deps, name, passport);
            let credential = deps.sign_in().credential(&login_name).await?;
            let Throttle::Username(window) = name_window(deps, &login_name) else {
                return Err(Error::internal("passkey sign-in", "a name's window is a username window"));
            };
            // A name that matches nothing is kept as one that matches no key: it fails alike.
            Some((credential.map(|c| c.credential), window))
        }
        None => None,
    };
    let begun = deps.passkey_party().begin_sign_in()?;
    let purpose = match named {
        None => CeremonyPurpose::SignIn { named: None, anyone: true, name_window: None },
        Some((credential, window)) => {
            CeremonyPurpose::SignIn { named: credential, anyone: false, name_window: Some(window) }
        }
    };
    begin(deps, purpose, begun).await
}

/// Finishes a passkey sign-in: the ceremony spent, the key found by the id the answer names (and
/// the credential it was begun for, if any), the signature checked, the counter moved forward
/// with a conditional write; then a session, login protection satisfied [KEY-1]. Every refusal
/// is `PASSKEY_SIGN_IN_FAILED`. Tries count against the source as password tries do [LOGIN-6].
pub async fn finish_sign_in(
    deps: &(impl HasClock
          + HasKeys
          + HasFlows
          + HasSignIn
          + HasSteps
          + HasSecurity
          + HasSubUsers
          + HasPasskeys
          + HasPasskeyParty
          + HasAccounts
          + HasOutbox),
    ceremony_id: &FlowId,
    answer: &Value,
    caller: &Caller,
) -> Result<SignInOutcome> {
    let now = deps.clock().now();
    let failed = || Error::PasskeySignInFailed;
    // A try reserved in the source's window before anything is checked; a success gives it back.
    let source_hash = deps.keys().keyed_hash("source", &caller.source_ip);
    let source = Throttle::Source(source_hash.clone());
    let reserved =
        match deps.sign_in().reserve(&[(&source, throttle::MAX_FAILURES_PER_SOURCE)], now, throttle::WINDOW).await? {
            Ok(token) => token,
            Err(full) => return Err(Error::SignInLocked { retry_after_secs: full.retry_after_secs }),
        };
    let ceremony = spend(deps, ceremony_id, failed).await?;
    let CeremonyPurpose::SignIn { named, anyone, name_window } = &ceremony.flow.purpose else { return Err(failed()) };
    // After a username, a try of that name from this source too (as a password's): a burst at one
    // name from one source is locked like a password's; other sources are not, so nobody can lock
    // the owner's passkey out [LOGIN-6].
    let name_here = name_window.as_ref().map(|w| Throttle::UsernameAtSource(w.clone(), source_hash.clone()));
    if let Some(window) = &name_here {
        let cap = throttle::MAX_FAILURES_PER_USERNAME;
        if let Err(full) = deps.sign_in().reserve(&[(window, cap)], now, throttle::WINDOW).await? {
            return Err(Error::SignInLocked { retry_after_secs: full.retry_after_secs });
        }
    }
    let named_ok = |key: &PasskeyRecord| *anyone || named.as_ref() == Some(&key.credential);
    let record = verified_key(deps, &ceremony.flow.state, answer, named_ok).await?.ok_or_else(failed)?;
    let security = deps.security().security(&record.credential).await?.ok_or_else(failed)?;
    // A sub-user's key signs in only while its main account allows sub-users passkeys.
    if security.account_id != record.account_id || !may_use_passkeys(deps, &record.credential).await? {
        return Err(failed());
    }
    let mut settle = vec![Settle::Refund(source, reserved)];
    settle.extend(name_here.map(Settle::Clear));
    deps.sign_in().settle(&settle, now).await?;
    let whom = SessionFor {
        account_id: &record.account_id,
        credential: &record.credential,
        idle_timeout_secs: security.idle_timeout_secs,
        activation_pending: !security.activated,
        generation: security.session_generation,
    };
    // The passkey is both factors: login protection is satisfied [KEY-1].
    let protection = Protection { login: false, ..Protection::of(&security) };
    first_factor_passed(deps, whom, protection, SignInMethod::Passkey, caller, vec![])
        .await?
        .ok_or_else(|| Error::internal("passkey sign-in", "a new session's write was refused"))
}

/// The key an assertion names, if the assertion proves it: the key found, its owner one
/// `expected` takes, the user handle that owner's, the signature verified against the ceremony,
/// and its counter moved forward by a conditional write (two assertions verified at once move it
/// once: the other is refused). A counter that went back is reported to the owner. `None`:
/// refused.
async fn verified_key(
    deps: &(impl HasClock + HasKeys + HasPasskeys + HasPasskeyParty + HasAccounts + HasOutbox),
    ceremony_state: &str,
    answer: &Value,
    expected: impl Fn(&PasskeyRecord) -> bool,
) -> Result<Option<PasskeyRecord>> {
    let Some((handle, passkey_id)) = deps.passkey_party().identify(answer) else { return Ok(None) };
    let Some(record) = deps.passkeys().passkey(&passkey_id).await? else { return Ok(None) };
    if !expected(&record) || handle != user_handle(deps, &record.credential) {
        return Ok(None);
    }
    let (counter, key) = match deps.passkey_party().finish_sign_in(answer, ceremony_state, &record.key)? {
        Assertion::Verified { counter, key } if counter_moves_forward(record.counter, counter) => (counter, key),
        Assertion::Verified { .. } | Assertion::CounterWentBack => {
            report_cloned_key(deps, &record).await;
            return Ok(None);
        }
        Assertion::Refused => return Ok(None),
    };
    let now = deps.clock().now();
    if !deps.passkeys().passkey_used(&record.passkey_id, record.counter, counter, &key, now).await? {
        return Ok(None);
    }
    Ok(Some(record))
}

/// Begins a step-up by passkey on this session [KEY-2]: operation protection must take a passkey
/// (chosen, and the account has one; `FACTOR_NOT_CHOSEN` with the factors it takes otherwise).
/// The options name no key (the browser offers the relying party's keys; the answer must be one
/// of the caller's).
pub async fn begin_step_up(
    deps: &(impl HasClock + HasFlows + HasSecurity + HasPasskeyParty),
    principal: &Principal,
) -> Result<Begun> {
    let record = record_of(deps, principal).await?;
    factors::admit(record.operation_factors, Factor::Passkey, record.means(), None)?;
    let begun = deps.passkey_party().begin_sign_in()?;
    let purpose = CeremonyPurpose::StepUp {
        account_id: principal.account_id.clone(),
        credential: principal.credential.clone(),
        session_id: principal.session_id.clone(),
    };
    begin(deps, purpose, begun).await
}

/// Finishes a step-up by passkey [KEY-2]: the ceremony spent (begun on this session), the answer
/// by one of the caller's own passkeys, then sensitive operations are allowed on the session
/// until the answer (5 minutes). Every refusal is `SECOND_FACTOR_INVALID` (an assertion cannot be
/// guessed, so it spends no second-factor try); a passkey no longer chosen, `FACTOR_NOT_CHOSEN`.
pub async fn finish_step_up(
    deps: &(impl HasClock
          + HasKeys
          + HasFlows
          + HasSteps
          + HasSecurity
          + HasPasskeys
          + HasPasskeyParty
          + HasAccounts
          + HasOutbox),
    principal: &Principal,
    ceremony_id: &FlowId,
    answer: &Value,
) -> Result<DateTime<Utc>> {
    let failed = || Error::SecondFactorInvalid { attempts_left: None };
    let ceremony = spend(deps, ceremony_id, failed).await?;
    let CeremonyPurpose::StepUp { session_id, account_id, credential } = &ceremony.flow.purpose else {
        return Err(failed());
    };
    if session_id != &principal.session_id || account_id != &principal.account_id || credential != &principal.credential
    {
        return Err(failed());
    }
    let record = record_of(deps, principal).await?;
    factors::admit(record.operation_factors, Factor::Passkey, record.means(), None)?;
    let own = |key: &PasskeyRecord| key.credential == principal.credential && key.account_id == principal.account_id;
    verified_key(deps, &ceremony.flow.state, answer, own).await?.ok_or_else(failed)?;
    let until = deps.clock().now() + STEP_UP_TTL;
    let grant = Write::GrantStepUp { session_id: &principal.session_id, account_id: &principal.account_id, until };
    match deps.steps().write(&[grant]).await? {
        Ok(()) => Ok(until),
        // The session was signed out meanwhile.
        Err(_) => Err(Error::Unauthenticated),
    }
}

/// Begins a pending sign-in's second factor by passkey [KEY-2]: login protection must take a
/// passkey (chosen, and the account has one; `FACTOR_NOT_CHOSEN` with the factors it takes
/// otherwise).
pub async fn begin_second_factor(
    deps: &(impl HasClock + HasFlows + HasSecurity + HasPasskeyParty),
    sign_in_id: &FlowId,
) -> Result<Begun> {
    let current = pending(deps, sign_in_id).await?;
    let record = deps.security().security(&current.flow.credential).await?.ok_or(Error::SignInFlowInvalid)?;
    factors::admit(record.login_factors, Factor::Passkey, record.means(), current.flow.method.proven_factor())?;
    let begun = deps.passkey_party().begin_sign_in()?;
    begin(deps, CeremonyPurpose::SecondFactor { sign_in_id: sign_in_id.clone() }, begun).await
}

/// Completes a pending sign-in with a passkey [KEY-2]: the ceremony spent, the answer by one of
/// the sign-in's own credential's passkeys; then the session, issued once, as with the other
/// factors (the pending sign-in finished and the session created in one write, conditional on
/// the version read). A refusal is `SECOND_FACTOR_INVALID` (an assertion cannot be guessed, so it
/// spends none of the sign-in's tries).
pub async fn finish_second_factor(
    deps: &(impl HasClock
          + HasKeys
          + HasFlows
          + HasSteps
          + HasSecurity
          + HasPasskeys
          + HasPasskeyParty
          + HasAccounts
          + HasOutbox),
    ceremony_id: &FlowId,
    answer: &Value,
    caller: &Caller,
) -> Result<SignedIn> {
    let failed = || Error::SecondFactorInvalid { attempts_left: None };
    let ceremony = spend(deps, ceremony_id, failed).await?;
    let CeremonyPurpose::SecondFactor { sign_in_id } = &ceremony.flow.purpose else { return Err(failed()) };
    let current = pending(deps, sign_in_id).await?;
    let flow = &current.flow;
    let record = deps.security().security(&flow.credential).await?.ok_or(Error::SignInFlowInvalid)?;
    factors::admit(record.login_factors, Factor::Passkey, record.means(), flow.method.proven_factor())?;
    if record.account_id != flow.account_id || record.session_generation != flow.session_generation {
        // Signed out everywhere since the first factor passed.
        return Err(Error::SignInFlowInvalid);
    }
    let own = |key: &PasskeyRecord| key.credential == flow.credential && key.account_id == flow.account_id;
    verified_key(deps, &ceremony.flow.state, answer, own).await?.ok_or_else(failed)?;
    let now = deps.clock().now();
    let session = new_session(deps, &SessionFor::pending(flow), flow.method.with_second_factor(), caller);
    let finished = flow.clone().apply(Step::Finish, now).map_err(closed)?;
    match deps.steps().write(&[Write::SignIn(&current, &finished), Write::CreateSession(&session)]).await? {
        Ok(()) => signed_in(deps, &session),
        // Another factor completed it meanwhile (its session was issued), or it changed.
        Err(_) => Err(Error::SignInFlowInvalid),
    }
}

/// Tells the owner that a copy of one of their passkeys tried to sign in [KEY-1]; a failure to
/// queue it is logged (the sign-in is refused all the same).
async fn report_cloned_key(deps: &(impl HasKeys + HasAccounts + HasOutbox), record: &PasskeyRecord) {
    let report = async {
        let phone = super::codes::account_phone(deps, &record.account_id).await?;
        let text = format!(
            "[Cloud] Your passkey \"{}\" was refused: its signature counter went back, as a copied key's would. \
             If you did not try to sign in, remove it in the console's security settings.",
            record.name
        );
        let message = OutboxMessage::Sms {
            id: format!("passkey-counter-{}-{}", record.passkey_id, record.counter),
            to: Redacted::new(phone.as_e164().to_owned()),
            text: Redacted::new(text),
        };
        super::delivery::enqueue(deps, &message).await
    };
    if let Err(fault) = report.await {
        tracing::error!(error = %fault, "the cloned passkey's report was not queued");
    }
}
