//! Checking a second factor [MFA-1, MFA-6]: an SMS code to the bound phone, a TOTP code, or a
//! recovery code. Each is single use: the SMS code is consumed, the TOTP step and the recovery
//! code are recorded as used in a conditional write.

use super::codes;
use crate::domain::code::{Code, Purpose};
use crate::domain::security::{available_factors, normalise_recovery_code, Factor};
use crate::domain::session::Principal;
use crate::domain::throttle::{self, locked_for};
use crate::domain::totp::{self, TotpSecret};
use crate::error::{Error, Result};
use crate::ports::{SecurityChange, SecurityRecord};
use crate::services::Services;
use totp_rs::Secret;

/// A second factor as the caller gives it.
#[derive(Debug, Clone)]
pub struct FactorProof {
    pub factor: Factor,
    pub code: String,
    /// For SMS: the request the code was sent for.
    pub challenge_id: Option<String>,
}

pub(crate) fn recovery_code_hash(services: &Services, account_id: &str, code: &str) -> String {
    services.keys.keyed_hash("recovery-code", &format!("{account_id}:{}", normalise_recovery_code(code)))
}

pub(crate) fn totp_secret(services: &Services, record: &SecurityRecord) -> Result<Option<TotpSecret>> {
    let Some(sealed) = &record.totp_secret_encrypted else {
        return Ok(None);
    };
    let b32 = services.keys.decrypt(sealed)?;
    let bytes = Secret::Encoded(b32).to_bytes().map_err(|e| Error::internal("stored TOTP seed", format!("{e:?}")))?;
    Ok(Some(TotpSecret::from_bytes(bytes)))
}

fn second_factor_window(account_id: &str) -> String {
    format!("2fa:{account_id}")
}

/// Refuses while the account's second-factor failure window is full (separate from passwords).
pub(crate) async fn ensure_not_locked(services: &Services, account_id: &str) -> Result<()> {
    let window = services.sign_in.window(&second_factor_window(account_id)).await?;
    match locked_for(window, throttle::MAX_FAILURES_PER_USERNAME, services.clock.now()) {
        Some(retry_after_secs) => Err(Error::SignInLocked { retry_after_secs }),
        None => Ok(()),
    }
}

async fn count_failure(services: &Services, account_id: &str) -> Result<()> {
    services.sign_in.record_failure(&[&second_factor_window(account_id)], services.clock.now(), throttle::WINDOW).await
}

/// Checks the factor for the account and uses it up. Wrong factors are counted.
pub(crate) async fn verify(
    services: &Services,
    account_id: &str,
    login_key: &str,
    record: &SecurityRecord,
    proof: &FactorProof,
    sms_purpose: Purpose,
) -> Result<()> {
    ensure_not_locked(services, account_id).await?;
    let now = services.clock.now();
    let passed = match proof.factor {
        Factor::Sms => {
            let challenge_id = proof
                .challenge_id
                .as_deref()
                .ok_or_else(|| Error::invalid("challenge_id", "required for the sms factor"))?;
            let code = Code::parse(&proof.code).map_err(|reason| Error::invalid("code", reason))?;
            let phone = codes::account_phone(services, account_id).await?;
            let claim =
                codes::proof(services, challenge_id, &code, sms_purpose, &codes::phone_target(services, &phone), now);
            if services.codes.consume(&claim).await? {
                return Ok(());
            }
            count_failure(services, account_id).await?;
            return Err(codes::refusal(services, challenge_id, now).await?);
        }
        Factor::Totp => {
            let secret = totp_secret(services, record)?.ok_or(Error::TotpNotBound)?;
            match totp::accept(&secret, proof.code.trim(), now, record.totp_last_step) {
                Some(step) => {
                    services
                        .security
                        .change_security(login_key, account_id, SecurityChange::UseTotpStep { step })
                        .await?
                }
                None => false,
            }
        }
        Factor::RecoveryCode => {
            if record.totp_secret_encrypted.is_none() {
                return Err(Error::TotpNotBound);
            }
            let hash = recovery_code_hash(services, account_id, &proof.code);
            services.security.change_security(login_key, account_id, SecurityChange::UseRecoveryCode { hash }).await?
        }
    };
    if passed {
        Ok(())
    } else {
        count_failure(services, account_id).await?;
        Err(Error::SecondFactorInvalid { attempts_left: None })
    }
}

/// The security record behind a session.
pub(crate) async fn record_of(services: &Services, principal: &Principal) -> Result<SecurityRecord> {
    let record = services.security.security(&principal.login_key).await?.ok_or(Error::Unauthenticated)?;
    if record.account_id != principal.account_id {
        return Err(Error::Unauthenticated);
    }
    Ok(record)
}

/// Operation protection [MFA-2]: a sensitive operation needs a step-up on this session that has
/// not expired, when protection is on.
pub(crate) fn require_step_up(services: &Services, principal: &Principal, record: &SecurityRecord) -> Result<()> {
    let fresh = principal.step_up_until.is_some_and(|until| until > services.clock.now());
    if record.operation_protection && !fresh {
        let factors =
            available_factors(record.totp_secret_encrypted.is_some()).into_iter().map(Factor::as_str).collect();
        return Err(Error::StepUpRequired { factors });
    }
    Ok(())
}
