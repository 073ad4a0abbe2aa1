//! Checking a second factor [MFA-1, MFA-6]: an SMS code to the bound phone, a TOTP code, or a
//! recovery code. Each is single use: the SMS code is consumed, the TOTP step and the recovery
//! code are recorded as used in a conditional write.
//!
//! A check takes two requests with the step it belongs to (issue 15): [`Check::wanted`] names
//! what it reads (the security record, the account's second-factor window, and for an SMS code
//! the account and the code) beside what the step reads; [`Check::judge`] decides on what was
//! read and gives the writes that make the decision count: a right factor is used up and the
//! window must not be full; a wrong one is counted (in the window, and for an SMS code in the
//! code's tries), each under its cap. The step writes them in its one transaction with its own
//! effect; if a condition fails (another request came first), it reads and judges again. A
//! factor is compared on what was read, but only a write that passed the caps' conditions makes
//! it count, so parallel guesses get no more tries than sequential ones.

use super::codes;
use super::deps::{HasClock, HasKeys, HasSteps};
use crate::domain::code::{Code, CodeRefusal, Purpose};
use crate::domain::ids::{AccountId, ChallengeId};
use crate::domain::login::CredentialRef;
use crate::domain::security::{normalise_recovery_code, ChosenFactors, Factor, Means};
use crate::domain::session::Principal;
use crate::domain::throttle::{self, locked_for, Throttle};
use crate::domain::totp::{self, TotpSecret};
use crate::error::{Error, Result};
use crate::ports::{SecurityChange, SecurityRecord, Snapshot, Wanted, Write};
use chrono::{DateTime, Utc};
use totp_rs::Secret;

/// How many lost races a step tolerates (each means another request changed what it read).
pub(crate) const MAX_RACES: usize = 16;

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

/// A factor judged on what was read, with the writes that make the judgement count.
#[derive(Debug)]
pub(crate) enum Judged<'a> {
    /// No guess at all: refused, nothing written.
    Unchecked(Unchecked),
    /// Right: the writes use it up.
    Passed(Vec<Write<'a>>),
    /// Wrong: the writes count it; for an SMS code, how it was refused.
    Wrong(Vec<Write<'a>>, Option<CodeRefusal>),
}

/// A factor to check for an account, its input validated.
pub(crate) struct Check {
    account_id: AccountId,
    credential: CredentialRef,
    window: Throttle,
    factor: Factor,
    code: String,
    /// For SMS: the request and the code.
    sms: Option<(ChallengeId, Code)>,
}

/// Without the code (an SMS code, a TOTP code or a recovery code).
impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check")
            .field("account_id", &self.account_id)
            .field("factor", &self.factor)
            .finish_non_exhaustive()
    }
}

impl Check {
    /// Validates the proof (bad input spends no try).
    pub(crate) fn new(account_id: &AccountId, credential: &CredentialRef, proof: &FactorProof) -> Result<Check> {
        let sms = match proof.factor {
            Factor::Sms => {
                let challenge_id = proof
                    .challenge_id
                    .clone()
                    .ok_or_else(|| Error::invalid("challenge_id", "required for the sms factor"))?;
                let code = Code::parse(proof.code.expose()).map_err(|reason| Error::invalid("code", reason))?;
                Some((challenge_id, code))
            }
            Factor::Totp | Factor::RecoveryCode => None,
            Factor::Passkey => {
                return Err(Error::invalid("factor", "a passkey answers its own challenge (the `/passkey` routes)"))
            }
        };
        Ok(Check {
            account_id: account_id.clone(),
            credential: credential.clone(),
            window: Throttle::SecondFactor(account_id.clone()),
            factor: proof.factor,
            code: proof.code.expose().trim().to_owned(),
            sms,
        })
    }

    /// What the check reads.
    pub(crate) fn wanted(&self) -> Wanted<'_> {
        let sms = self.sms.as_ref();
        Wanted {
            security: Some(&self.credential),
            window: Some(&self.window),
            account: sms.map(|_| &self.account_id),
            code: sms.map(|(challenge_id, _)| challenge_id),
            ..Wanted::default()
        }
    }

    /// The security record read, if it is this account's.
    pub(crate) fn record<'r>(&self, read: &'r Snapshot) -> Option<&'r SecurityRecord> {
        read.security.as_ref().filter(|r| r.account_id == self.account_id)
    }

    /// Judges the factor on what was read. Refuses what cannot be a guess first (no device
    /// bound, too many wrong factors lately), then compares.
    pub(crate) fn judge(
        &self,
        deps: &impl HasKeys,
        record: &SecurityRecord,
        read: &Snapshot,
        sms_purpose: Purpose,
        now: DateTime<Utc>,
    ) -> Result<Judged<'_>> {
        let totp = match self.factor {
            Factor::Totp => match totp_secret(deps, record)? {
                Some(secret) => Some(secret),
                None => return Ok(Judged::Unchecked(Unchecked::NotBound)),
            },
            Factor::RecoveryCode if !record.totp_bound() => return Ok(Judged::Unchecked(Unchecked::NotBound)),
            Factor::RecoveryCode | Factor::Sms | Factor::Passkey => None,
        };
        let cap = throttle::MAX_FAILURES_PER_USERNAME;
        if let Some(retry_after_secs) = locked_for(read.window, cap, now) {
            return Ok(Judged::Unchecked(Unchecked::Locked { retry_after_secs }));
        }
        let not_full = Write::WindowNotFull { throttle: &self.window, cap, now };
        let failure =
            Write::CountFailure { throttle: &self.window, cap, seen: read.window, now, length: throttle::WINDOW };
        let used = |change| Write::Security { credential: &self.credential, account_id: &self.account_id, change };
        Ok(match (&self.sms, totp) {
            (Some((challenge_id, code)), _) => {
                let account = read.account.as_ref().ok_or(Error::NotFound)?;
                let judged =
                    codes::judge(deps, read.code.as_ref(), challenge_id, code, sms_purpose, &account.phone.hash, now);
                let code_write = judged.write(challenge_id);
                match judged {
                    codes::Judged::Right(_) => Judged::Passed(code_write.into_iter().chain([not_full]).collect()),
                    codes::Judged::Refused { refusal, .. } => {
                        Judged::Wrong(code_write.into_iter().chain([failure]).collect(), Some(refusal))
                    }
                }
            }
            (None, Some(secret)) => match totp::accept(&secret, &self.code, now, record.totp_last_step) {
                Some(step) => Judged::Passed(vec![used(SecurityChange::UseTotpStep { step }), not_full]),
                None => Judged::Wrong(vec![failure], None),
            },
            (None, None) => {
                let hash = recovery_code_hash(deps, &self.account_id, &self.code);
                if record.recovery_codes.expose().contains(&hash) {
                    Judged::Passed(vec![used(SecurityChange::UseRecoveryCode { hash }), not_full])
                } else {
                    Judged::Wrong(vec![failure], None)
                }
            }
        })
    }
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

/// A second factor of the caller's, for a step that has no tries of its own (step-up,
/// unbinding), in two requests: the read, then one write of the outcome with `effect` (for a
/// right factor). `accept` checks the record read before the factor is judged (what the
/// protection admits, a device bound, ...). Returns the record and the time the factor was
/// judged at; a wrong factor is the API's refusal.
pub(crate) async fn verify<'e>(
    deps: &(impl HasClock + HasKeys + HasSteps),
    principal: &Principal,
    proof: &FactorProof,
    sms_purpose: Purpose,
    accept: impl Fn(&SecurityRecord) -> Result<()>,
    effect: impl Fn(DateTime<Utc>) -> Option<Write<'e>>,
) -> Result<(SecurityRecord, DateTime<Utc>)> {
    let check = Check::new(&principal.account_id, &principal.credential, proof)?;
    for _ in 0..MAX_RACES {
        let read = deps.steps().read(&check.wanted()).await?;
        let record = check.record(&read).ok_or(Error::Unauthenticated)?;
        accept(record)?;
        let now = deps.clock().now();
        let (mut writes, refusal) = match check.judge(deps, record, &read, sms_purpose, now)? {
            Judged::Unchecked(unchecked) => return Err(unchecked_error(unchecked)),
            Judged::Passed(writes) => (writes, None),
            Judged::Wrong(writes, sms) => (writes, Some(sms)),
        };
        let effect_at = writes.len();
        if refusal.is_none() {
            writes.extend(effect(now));
        }
        if let Err(refused) = deps.steps().write(&writes).await? {
            if refused.at(effect_at) {
                // The effect is on the caller's session, which was signed out meanwhile.
                return Err(Error::Unauthenticated);
            }
            continue;
        }
        return match refusal {
            None => Ok((record.clone(), now)),
            Some(Some(refusal)) => Err(codes::refusal_error(refusal)),
            Some(None) => Err(Error::SecondFactorInvalid { attempts_left: None }),
        };
    }
    Err(Error::busy("check a second factor", "too many concurrent writes"))
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
pub(crate) fn admit(chosen: ChosenFactors, factor: Factor, means: Means, besides: Option<Factor>) -> Result<()> {
    if chosen.admits(factor, means) {
        return Ok(());
    }
    let factors = chosen.passing(means).into_iter().filter(|f| Some(*f) != besides).collect();
    Err(Error::FactorNotChosen { factors })
}

/// The security record behind a session.
pub(crate) async fn record_of(deps: &impl super::deps::HasSecurity, principal: &Principal) -> Result<SecurityRecord> {
    let record = deps.security().security(&principal.credential).await?.ok_or(Error::Unauthenticated)?;
    if record.account_id != principal.account_id {
        return Err(Error::Unauthenticated);
    }
    Ok(record)
}

/// Whether operation protection is on [MFA-2]. A sub-user has no phone (so no protection by
/// SMS): its protection is its virtual MFA device, once it has one [LOGIN-5].
pub(crate) fn operation_protected(principal: &Principal, record: &SecurityRecord) -> bool {
    let sub_user_device = principal.credential.main_account().is_some() && record.totp_bound();
    record.operation_protection || sub_user_device
}

/// Operation protection [MFA-2]: a sensitive operation needs a step-up on this session that has
/// not expired, when protection is on.
pub(crate) fn require_step_up(deps: &impl HasClock, principal: &Principal, record: &SecurityRecord) -> Result<()> {
    let fresh = principal.step_up_until.is_some_and(|until| until > deps.clock().now());
    if operation_protected(principal, record) && !fresh {
        return Err(Error::StepUpRequired { factors: record.operation_factors.passing(record.means()) });
    }
    Ok(())
}

#[cfg(test)]
mod secrets_in_debug {
    //! No secret or personal datum in a derived `Debug` [issue 26]: logs format these.
    use super::*;
    use crate::domain::ids::FlowId;
    use crate::domain::redacted::Redacted;
    use crate::domain::third_party::ThirdParty;

    const SECRET: &str = "S3CRETMARK";

    fn hides(what: &str, formatted: String) {
        assert!(!formatted.contains(SECRET), "{what} shows a secret: {formatted}");
    }

    #[test]
    fn secrets_and_personal_data_are_not_formatted() {
        let proof = FactorProof { factor: Factor::Totp, code: Redacted::new(SECRET.to_owned()), challenge_id: None };
        let account = AccountId::from_raw("a1");
        let check = Check::new(&account, &CredentialRef::Passport(account.clone()), &proof).unwrap();
        hides("Check", format!("{check:?}"));
        let binding = crate::usecases::security::BindingStarted {
            binding_id: FlowId::generate(),
            secret_base32: Redacted::new(SECRET.to_owned()),
            otpauth_uri: format!("otpauth://totp/x?secret={SECRET}"),
            qr_code: format!("data:{SECRET}"),
            expires_at: Utc::now(),
        };
        hides("BindingStarted", format!("{binding:?}"));
        let tokens = crate::ports::StaffTokens { access_token: SECRET.to_owned(), expires_in: 3600 };
        hides("StaffTokens", format!("{tokens:?}"));
        let callback = crate::usecases::third_party::Callback {
            provider: ThirdParty::ALL[0],
            code: SECRET,
            state: SECRET,
            browser_secret: SECRET,
        };
        hides("Callback", format!("{callback:?}"));
        let elements =
            crate::ports::FourElements { name: SECRET, id_number: SECRET, card_number: SECRET, phone: SECRET };
        hides("FourElements", format!("{elements:?}"));
    }
}
