//! Operation protection (step-up), virtual MFA binding, recovery codes, protection and session
//! settings, and password change [LOGIN-3, LOGIN-4, MFA-1..MFA-4, MFA-6].

use super::factors::{self, record_of, recovery_code_hash, require_step_up, FactorProof};
use super::sign_in::username_of;
use super::{codes, Caller};
use crate::crypto::password;
use crate::domain::code::Purpose;
use crate::domain::ids::new_opaque_id;
use crate::domain::password::{check_policy, Password};
use crate::domain::security::{self, generate_recovery_codes, idle_timeout_from_minutes, Factor};
use crate::domain::session::Principal;
use crate::domain::totp::{self, TotpSecret};
use crate::error::{Error, Result};
use crate::ports::SecurityChange;
use crate::services::Services;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the owner sees of the account's security.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityView {
    pub login_protection: bool,
    pub operation_protection: bool,
    pub idle_timeout_minutes: i64,
    pub totp_bound: bool,
    pub recovery_codes_left: usize,
    pub factors: Vec<&'static str>,
}

pub async fn read_security(services: &Services, principal: &Principal) -> Result<SecurityView> {
    let r = record_of(services, principal).await?;
    let bound = r.totp_secret_encrypted.is_some();
    Ok(SecurityView {
        login_protection: r.login_protection,
        operation_protection: r.operation_protection,
        idle_timeout_minutes: r.idle_timeout_secs / 60,
        totp_bound: bound,
        recovery_codes_left: r.recovery_codes_left,
        factors: security::available_factors(bound).into_iter().map(Factor::as_str).collect(),
    })
}

// ---- step-up -----------------------------------------------------------------------------

/// Sends an SMS code to the bound phone for a step-up.
pub async fn send_step_up_code(services: &Services, principal: &Principal, caller: &Caller) -> Result<codes::CodeSent> {
    codes::send_code_to_account_phone(services, &principal.account_id, Purpose::StepUp, caller).await
}

/// Passes a second factor on this session: sensitive operations are allowed until the answer.
pub async fn step_up(services: &Services, principal: &Principal, proof: FactorProof) -> Result<DateTime<Utc>> {
    let record = record_of(services, principal).await?;
    factors::verify(services, &principal.account_id, &principal.login_key, &record, &proof, Purpose::StepUp).await?;
    let until = services.clock.now() + security::STEP_UP_TTL;
    services.sessions.grant_step_up(&principal.session_id, &principal.account_id, until).await?;
    Ok(until)
}

// ---- virtual MFA ---------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
struct TotpBinding {
    account_id: String,
    login_key: String,
    secret_encrypted: String,
}

#[derive(Debug, Clone)]
pub struct BindingStarted {
    pub binding_id: String,
    pub secret_base32: String,
    pub otpauth_uri: String,
    pub qr_code: String,
    pub expires_at: DateTime<Utc>,
}

fn binding_key(id: &str) -> String {
    format!("totp-binding:{id}")
}

/// Starts binding a virtual MFA device [MFA-3]: the secret, its otpauth URI and QR code.
pub async fn start_totp_binding(services: &Services, principal: &Principal) -> Result<BindingStarted> {
    let record = record_of(services, principal).await?;
    if record.totp_secret_encrypted.is_some() {
        return Err(Error::TotpAlreadyBound);
    }
    require_step_up(services, principal, &record)?;
    let account = services.accounts.account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    let secret = TotpSecret::generate();
    let binding_id = new_opaque_id();
    let expires_at = services.clock.now() + security::TOTP_BINDING_TTL;
    let body = TotpBinding {
        account_id: principal.account_id.clone(),
        login_key: principal.login_key.clone(),
        secret_encrypted: services.keys.encrypt(&secret.base32())?,
    };
    services
        .flows
        .put_flow(
            &binding_key(&binding_id),
            serde_json::to_value(body).map_err(|e| Error::internal("encode binding", e))?,
            expires_at,
        )
        .await?;
    let otpauth_uri = secret.otpauth_uri(&account.username);
    Ok(BindingStarted {
        binding_id,
        secret_base32: secret.base32(),
        qr_code: totp::qr_svg_data_uri(&otpauth_uri),
        otpauth_uri,
        expires_at,
    })
}

/// Completes the binding with two consecutive codes [MFA-3]; returns the ten recovery codes
/// (shown once). Passing it also counts as a fresh TOTP factor on this session (inline binding).
pub async fn confirm_totp_binding(
    services: &Services,
    principal: &Principal,
    binding_id: &str,
    first: &str,
    second: &str,
    revoke_other_sessions: bool,
) -> Result<(Vec<String>, usize)> {
    let now = services.clock.now();
    let key = binding_key(binding_id);
    let flow = services.flows.flow(&key).await?.filter(|f| f.expires_at > now).ok_or(Error::TotpBindingInvalid)?;
    let binding: TotpBinding = serde_json::from_value(flow.body).map_err(|e| Error::internal("decode binding", e))?;
    if binding.account_id != principal.account_id || flow.attempts >= security::MAX_SECOND_FACTOR_ATTEMPTS {
        return Err(Error::TotpBindingInvalid);
    }
    let secret = TotpSecret::from_bytes(
        totp_rs::Secret::Encoded(services.keys.decrypt(&binding.secret_encrypted)?)
            .to_bytes()
            .map_err(|e| Error::internal("binding seed", format!("{e:?}")))?,
    );
    let Some(step) = totp::accept_consecutive(&secret, first.trim(), second.trim(), now) else {
        let attempts = services.flows.count_flow_failure(&key, security::MAX_SECOND_FACTOR_ATTEMPTS).await?;
        let left = attempts.map(|a| security::MAX_SECOND_FACTOR_ATTEMPTS.saturating_sub(a));
        return Err(Error::SecondFactorInvalid { attempts_left: left });
    };
    if !services.flows.take_flow(&key, now, security::MAX_SECOND_FACTOR_ATTEMPTS).await? {
        return Err(Error::TotpBindingInvalid);
    }
    let codes = generate_recovery_codes();
    let hashes = codes.iter().map(|c| recovery_code_hash(services, &principal.account_id, c)).collect();
    let change =
        SecurityChange::BindTotp { secret_encrypted: binding.secret_encrypted, step, recovery_code_hashes: hashes };
    if !services.security.change_security(&binding.login_key, &principal.account_id, change).await? {
        return Err(Error::TotpAlreadyBound);
    }
    services.sessions.grant_step_up(&principal.session_id, &principal.account_id, now + security::STEP_UP_TTL).await?;
    Ok((codes, revoke_others_if(services, principal, revoke_other_sessions).await?))
}

/// Unbinds the device with a current code [MFA-4], under operation protection.
pub async fn unbind_totp(
    services: &Services,
    principal: &Principal,
    code: &str,
    revoke_other_sessions: bool,
) -> Result<usize> {
    let record = record_of(services, principal).await?;
    if record.totp_secret_encrypted.is_none() {
        return Err(Error::TotpNotBound);
    }
    require_step_up(services, principal, &record)?;
    let proof = FactorProof { factor: Factor::Totp, code: code.into(), challenge_id: None };
    factors::verify(services, &principal.account_id, &principal.login_key, &record, &proof, Purpose::StepUp).await?;
    if !services
        .security
        .change_security(&principal.login_key, &principal.account_id, SecurityChange::UnbindTotp)
        .await?
    {
        return Err(Error::TotpNotBound);
    }
    revoke_others_if(services, principal, revoke_other_sessions).await
}

/// Ten new recovery codes replace the old ones, under operation protection.
pub async fn regenerate_recovery_codes(services: &Services, principal: &Principal) -> Result<Vec<String>> {
    let record = record_of(services, principal).await?;
    if record.totp_secret_encrypted.is_none() {
        return Err(Error::TotpNotBound);
    }
    require_step_up(services, principal, &record)?;
    let codes = generate_recovery_codes();
    let hashes = codes.iter().map(|c| recovery_code_hash(services, &principal.account_id, c)).collect();
    if !services
        .security
        .change_security(&principal.login_key, &principal.account_id, SecurityChange::ReplaceRecoveryCodes { hashes })
        .await?
    {
        return Err(Error::TotpNotBound);
    }
    Ok(codes)
}

// ---- settings ------------------------------------------------------------------------------

/// Login and operation protection on or off [LOGIN-3, MFA-2], under operation protection.
pub async fn set_protection(services: &Services, principal: &Principal, login: bool, operation: bool) -> Result<()> {
    let record = record_of(services, principal).await?;
    require_step_up(services, principal, &record)?;
    services
        .security
        .change_security(&principal.login_key, &principal.account_id, SecurityChange::Protection { login, operation })
        .await?;
    Ok(())
}

/// The idle timeout of the account's sessions [LOGIN-4]: 15 minutes to 23 hours 59 minutes.
/// Sessions signed in from now on use it.
pub async fn set_idle_timeout(services: &Services, principal: &Principal, minutes: i64) -> Result<()> {
    let timeout = idle_timeout_from_minutes(minutes).map_err(|_| Error::IdleTimeoutOutOfRange)?;
    services
        .security
        .change_security(
            &principal.login_key,
            &principal.account_id,
            SecurityChange::IdleTimeout { secs: timeout.num_seconds() },
        )
        .await?;
    Ok(())
}

/// Changes the password under operation protection; optionally signs out every other session.
/// Returns how many sessions were revoked.
pub async fn change_password(
    services: &Services,
    principal: &Principal,
    current: &Password,
    new: &Password,
    revoke_other_sessions: bool,
) -> Result<usize> {
    let record = record_of(services, principal).await?;
    require_step_up(services, principal, &record)?;
    if !password::verify(current, Some(&record.password_hash)).await? {
        return Err(Error::CurrentPasswordWrong);
    }
    check_policy(new, username_of(&principal.login_key)).map_err(Error::WeakPassword)?;
    let hash = password::hash(new).await?;
    services
        .security
        .change_security(&principal.login_key, &principal.account_id, SecurityChange::Password { hash })
        .await?;
    revoke_others_if(services, principal, revoke_other_sessions).await
}

/// After a credential change the owner may sign out every other session (kept: this one).
async fn revoke_others_if(services: &Services, principal: &Principal, revoke: bool) -> Result<usize> {
    if !revoke {
        return Ok(0);
    }
    services.sessions.revoke_others(&principal.account_id, Some(&principal.session_id)).await
}
