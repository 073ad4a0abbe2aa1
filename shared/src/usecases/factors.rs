//! Checking a second factor [MFA-1, MFA-6]: an SMS code to the bound phone, a TOTP code, or a
//! recovery code. Each is single use: the SMS code is consumed, the TOTP step and the recovery
//! code are recorded as used in a conditional write.
//!
//! A check is two steps so that a flow can reserve its try in between: [`prepare`] validates the
//! input and refuses what is no guess at all (a locked account, no device bound), [`check`]
//! compares the factor and counts a wrong one. Both answer outcomes; the caller maps them.

use super::codes;
use super::deps::{HasAccounts, HasClock, HasCodes, HasKeys, HasSecurity, HasSignIn};
use crate::domain::code::{Code, CodeRefusal, Purpose};
use crate::domain::ids::{AccountId, ChallengeId};
use crate::domain::login::CredentialRef;
use crate::domain::security::{normalise_recovery_code, ChosenFactors, Factor};
use crate::domain::session::Principal;
use crate::domain::throttle::{self, Throttle};
use crate::domain::totp::{self, TotpSecret};
use crate::error::{Error, Result};
use crate::ports::{SecurityChange, SecurityRecord, Settle};
use totp_rs::Secret;

/// A second factor as the caller gives it.
#[derive(Debug, Clone)]
pub struct FactorProof {
    pub factor: Factor,
    pub code: crate::domain::redacted::Redacted<String>,
    /// For SMS: the request the code was sent for.
    pub challenge_id: Option<ChallengeId>,
}

/// Why a factor cannot be checked at all (no try is spent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unchecked {
    /// Too many wrong second factors lately.
    Locked { retry_after_secs: u64 },
    /// The factor needs a virtual MFA device and none is bound.
    NotBound,
}

/// The outcome of comparing a factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorOutcome {
    Passed,
    /// Wrong (and counted); for an SMS code, how the code was refused.
    Wrong {
        sms: Option<CodeRefusal>,
    },
}

/// A factor ready to compare.
pub struct Ready {
    kind: ReadyKind,
}

enum ReadyKind {
    Sms { challenge_id: ChallengeId, code: Code, target_hash: String },
    Totp { secret: TotpSecret, code: String },
    Recovery { hash: String },
}

pub(crate) fn recovery_code_hash(deps: &impl HasKeys, account_id: &AccountId, code: &str) -> String {
    deps.keys().keyed_hash("recovery-code", &format!("{account_id}:{}", normalise_recovery_code(code)))
}

pub(crate) fn totp_secret(deps: &impl HasKeys, record: &SecurityRecord) -> Result<Option<TotpSecret>> {
    let Some(sealed) = &record.totp_secret_encrypted else {
        return Ok(None);
    };
    let b32 = deps.keys().decrypt(sealed.expose())?;
    let bytes = Secret::Encoded(b32).to_bytes().map_err(|e| Error::internal("stored TOTP seed", format!("{e:?}")))?;
    Ok(Some(TotpSecret::from_bytes(bytes)))
}

/// Validates the proof, refuses what cannot be a guess, and reserves a try in the account's
/// second-factor window (five per 15 minutes) before anything is compared. `Err` only for bad
/// input or a fault.
pub(crate) async fn prepare(
    deps: &(impl HasClock + HasKeys + HasAccounts + HasSignIn),
    account_id: &AccountId,
    record: &SecurityRecord,
    proof: &FactorProof,
) -> Result<std::result::Result<Ready, Unchecked>> {
    let kind = match proof.factor {
        Factor::Sms => {
            let challenge_id = proof
                .challenge_id
                .clone()
                .ok_or_else(|| Error::invalid("challenge_id", "required for the sms factor"))?;
            let code = Code::parse(proof.code.expose()).map_err(|reason| Error::invalid("code", reason))?;
            let phone = codes::account_phone(deps, account_id).await?;
            ReadyKind::Sms { challenge_id, code, target_hash: codes::phone_target(deps, &phone) }
        }
        Factor::Totp => match totp_secret(deps, record)? {
            Some(secret) => ReadyKind::Totp { secret, code: proof.code.expose().trim().to_owned() },
            None => return Ok(Err(Unchecked::NotBound)),
        },
        Factor::RecoveryCode => {
            if !record.totp_bound() {
                return Ok(Err(Unchecked::NotBound));
            }
            ReadyKind::Recovery { hash: recovery_code_hash(deps, account_id, proof.code.expose()) }
        }
    };
    let window = Throttle::SecondFactor(account_id.clone());
    let cap = [(&window, throttle::MAX_FAILURES_PER_USERNAME)];
    if let Err(full) = deps.sign_in().reserve(&cap, deps.clock().now(), throttle::WINDOW).await? {
        return Ok(Err(Unchecked::Locked { retry_after_secs: full.retry_after_secs }));
    }
    Ok(Ok(Ready { kind }))
}

/// Compares the factor and uses it up; a wrong one is counted in the account's window.
pub(crate) async fn check(
    deps: &(impl HasClock + HasKeys + HasCodes + HasSignIn + HasSecurity),
    account_id: &AccountId,
    credential: &CredentialRef,
    record: &SecurityRecord,
    ready: Ready,
    sms_purpose: Purpose,
) -> Result<FactorOutcome> {
    let now = deps.clock().now();
    let right = match ready.kind {
        ReadyKind::Sms { challenge_id, code, target_hash } => {
            let refusal = match codes::check(deps, &challenge_id, &code, sms_purpose, &target_hash).await? {
                Ok(claim) if deps.codes().consume(&claim).await? => return passed(deps, account_id).await,
                Ok(_) => CodeRefusal::Used,
                Err(refusal) => refusal,
            };
            return Ok(FactorOutcome::Wrong { sms: Some(refusal) });
        }
        ReadyKind::Totp { secret, code } => match totp::accept(&secret, &code, now, record.totp_last_step) {
            Some(step) => {
                deps.security().change_security(credential, account_id, SecurityChange::UseTotpStep { step }).await?
            }
            None => false,
        },
        ReadyKind::Recovery { hash } => {
            deps.security().change_security(credential, account_id, SecurityChange::UseRecoveryCode { hash }).await?
        }
    };
    if right {
        return passed(deps, account_id).await;
    }
    // The try reserved in the window stays counted as a failure.
    Ok(FactorOutcome::Wrong { sms: None })
}

/// A passed factor gives its reserved try back: only wrong ones count against the account.
async fn passed(deps: &(impl HasClock + HasSignIn), account_id: &AccountId) -> Result<FactorOutcome> {
    let window = Throttle::SecondFactor(account_id.clone());
    deps.sign_in().settle(&[Settle::Refund(window)], deps.clock().now()).await?;
    Ok(FactorOutcome::Passed)
}

/// Prepare and check in one go, for a step that has no tries of its own (step-up, unbinding);
/// the answer is the API's refusal.
pub(crate) async fn verify(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasSignIn + HasSecurity),
    principal: &Principal,
    record: &SecurityRecord,
    proof: &FactorProof,
    sms_purpose: Purpose,
) -> Result<()> {
    let ready = match prepare(deps, &principal.account_id, record, proof).await? {
        Ok(ready) => ready,
        Err(unchecked) => return Err(unchecked_error(unchecked)),
    };
    match check(deps, &principal.account_id, &principal.credential, record, ready, sms_purpose).await? {
        FactorOutcome::Passed => Ok(()),
        FactorOutcome::Wrong { sms: Some(refusal) } => Err(codes::refusal_error(refusal)),
        FactorOutcome::Wrong { sms: None } => Err(Error::SecondFactorInvalid { attempts_left: None }),
    }
}

pub(crate) fn unchecked_error(unchecked: Unchecked) -> Error {
    match unchecked {
        Unchecked::Locked { retry_after_secs } => Error::SignInLocked { retry_after_secs },
        Unchecked::NotBound => Error::TotpNotBound,
    }
}

/// Refuses a factor the owner did not choose for the protection (no try is spent, nothing is
/// compared or sent) [MFA-1]; `besides` is the factor a sign-in was made with, which does not
/// count as the second one.
pub(crate) fn admit(chosen: ChosenFactors, factor: Factor, totp_bound: bool, besides: Option<Factor>) -> Result<()> {
    if chosen.admits(factor, totp_bound) {
        return Ok(());
    }
    let factors = chosen.passing(totp_bound).into_iter().filter(|f| Some(*f) != besides).collect();
    Err(Error::FactorNotChosen { factors })
}

/// The security record behind a session.
pub(crate) async fn record_of(deps: &impl HasSecurity, principal: &Principal) -> Result<SecurityRecord> {
    let record = deps.security().security(&principal.credential).await?.ok_or(Error::Unauthenticated)?;
    if record.account_id != principal.account_id {
        return Err(Error::Unauthenticated);
    }
    Ok(record)
}

/// Operation protection [MFA-2]: a sensitive operation needs a step-up on this session that has
/// not expired, when protection is on.
pub(crate) fn require_step_up(deps: &impl HasClock, principal: &Principal, record: &SecurityRecord) -> Result<()> {
    let fresh = principal.step_up_until.is_some_and(|until| until > deps.clock().now());
    if record.operation_protection && !fresh {
        return Err(Error::StepUpRequired { factors: record.operation_factors.passing(record.totp_bound()) });
    }
    Ok(())
}
