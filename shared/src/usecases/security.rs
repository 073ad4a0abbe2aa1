//! Operation protection (step-up), virtual MFA binding, recovery codes, protection and session
//! settings, and password change [LOGIN-3, LOGIN-4, MFA-1..MFA-4, MFA-6].

use super::deps::{
    HasAccounts, HasClock, HasCodes, HasFlows, HasKeys, HasOutbox, HasSecurity, HasSessions, HasSignIn, HasSteps,
    HasSubUsers,
};
use super::factors::{self, record_of, recovery_code_hash, require_step_up, FactorProof};
use super::flows::advance;
use super::{codes, Caller};
use crate::crypto::password;
use crate::domain::code::Purpose;
use crate::domain::flow::{Closed, Progress, Step};
use crate::domain::ids::{AccountId, FlowId};
use crate::domain::login::CredentialRef;
use crate::domain::password::{check_policy, Password};
use crate::domain::redacted::Redacted;
use crate::domain::security::{
    self, generate_recovery_codes, ChosenFactors, Factor, Means, TotpBinding, MAX_SECOND_FACTOR_ATTEMPTS,
};
use crate::domain::session::{idle_timeout_from_minutes, Principal};
use crate::domain::throttle::{self, Throttle};
use crate::domain::totp::{self, TotpSecret};
use crate::error::{Error, Result};
use crate::ports::{SecurityChange, SecurityRecord, Settle, Write};
use chrono::{DateTime, Utc};

/// What the owner sees of the account's security.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityView {
    pub login_protection: bool,
    pub operation_protection: bool,
    /// The factors chosen for each protection [MFA-1].
    pub login_factors: Vec<Factor>,
    pub operation_factors: Vec<Factor>,
    pub idle_timeout_minutes: i64,
    pub totp_bound: bool,
    pub recovery_codes_left: usize,
    pub factors: Vec<Factor>,
}

pub async fn read_security(deps: &impl HasSecurity, principal: &Principal) -> Result<SecurityView> {
    let r = record_of(deps, principal).await?;
    let bound = r.totp_bound();
    Ok(SecurityView {
        login_protection: r.login_protection,
        operation_protection: factors::operation_protected(principal, &r),
        login_factors: r.login_factors.list(),
        operation_factors: r.operation_factors.list(),
        idle_timeout_minutes: r.idle_timeout_secs / 60,
        totp_bound: bound,
        recovery_codes_left: r.recovery_codes_left(),
        factors: security::available_factors(r.means()),
    })
}

// ---- step-up -----------------------------------------------------------------------------

/// Sends an SMS code to the bound phone for a step-up, if operation protection accepts SMS.
pub async fn send_step_up_code(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasSecurity + HasOutbox),
    principal: &Principal,
    caller: &Caller,
) -> Result<codes::CodeSent> {
    let record = record_of(deps, principal).await?;
    factors::admit(record.operation_factors, Factor::Sms, record.means(), None)?;
    codes::send_code_to_account_phone(deps, &principal.account_id, Purpose::StepUp, caller).await
}

/// Passes a second factor on this session, one that operation protection accepts [MFA-1]:
/// sensitive operations are allowed until the answer. One read and one write (issue 15): the
/// factor used up and the grant on the session together.
pub async fn step_up(
    deps: &(impl HasClock + HasKeys + HasSteps),
    principal: &Principal,
    proof: FactorProof,
) -> Result<DateTime<Utc>> {
    let accept = |record: &SecurityRecord| factors::admit(record.operation_factors, proof.factor, record.means(), None);
    let grant = |now| {
        let until = now + security::STEP_UP_TTL;
        Some(Write::GrantStepUp { session_id: &principal.session_id, account_id: &principal.account_id, until })
    };
    let (_, at) = factors::verify(deps, principal, &proof, Purpose::StepUp, accept, grant).await?;
    Ok(at + security::STEP_UP_TTL)
}

// ---- virtual MFA ---------------------------------------------------------------------------

#[derive(Clone)]
pub struct BindingStarted {
    pub binding_id: FlowId,
    pub secret_base32: Redacted<String>,
    pub otpauth_uri: String,
    pub qr_code: String,
    pub expires_at: DateTime<Utc>,
}

/// Without the secret, which the otpauth URI and the QR code also carry.
impl std::fmt::Debug for BindingStarted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (id, expires) = (&self.binding_id, &self.expires_at);
        f.debug_struct("BindingStarted").field("binding_id", id).field("expires_at", expires).finish_non_exhaustive()
    }
}

/// Starts binding a virtual MFA device [MFA-3]: the secret, its otpauth URI and QR code.
pub async fn start_totp_binding(
    deps: &(impl HasClock + HasKeys + HasAccounts + HasSecurity + HasFlows),
    principal: &Principal,
) -> Result<BindingStarted> {
    let record = record_of(deps, principal).await?;
    if record.totp_bound() {
        return Err(Error::TotpAlreadyBound);
    }
    require_step_up(deps, principal, &record)?;
    let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    let expires_at = deps.clock().now() + security::TOTP_BINDING_TTL;
    open_binding(deps, &principal.account_id, &principal.credential, &account.username, expires_at).await
}

/// A new device's secret, kept encrypted in a binding flow until two codes confirm it [MFA-3];
/// the otpauth URI is labelled with `label`.
pub(crate) async fn open_binding(
    deps: &(impl HasKeys + HasFlows),
    account_id: &AccountId,
    credential: &CredentialRef,
    label: &str,
    expires_at: DateTime<Utc>,
) -> Result<BindingStarted> {
    let secret = TotpSecret::generate();
    let binding_id = FlowId::generate();
    let binding = TotpBinding {
        account_id: account_id.clone(),
        credential: credential.clone(),
        secret_encrypted: Redacted::new(deps.keys().encrypt(&secret.base32())?),
        expires_at,
        progress: Progress::default(),
    };
    deps.flows::<TotpBinding>().create(&binding_id, &binding).await?;
    let otpauth_uri = secret.otpauth_uri(label);
    Ok(BindingStarted {
        binding_id,
        secret_base32: Redacted::new(secret.base32()),
        qr_code: totp::qr_svg_data_uri(&otpauth_uri),
        otpauth_uri,
        expires_at,
    })
}

/// Completes the binding with two consecutive codes [MFA-3]; returns the ten recovery codes
/// (shown once). Passing it also counts as a fresh TOTP factor on this session (inline binding).
pub async fn confirm_totp_binding(
    deps: &(impl HasClock + HasKeys + HasSessions + HasSecurity + HasFlows),
    principal: &Principal,
    binding_id: &FlowId,
    first: &str,
    second: &str,
    revoke_other_sessions: bool,
) -> Result<(Vec<String>, usize)> {
    let now = deps.clock().now();
    let store = deps.flows::<TotpBinding>();
    let current = store.load(binding_id).await?.ok_or(Error::TotpBindingInvalid)?;
    let binding = current.flow.clone();
    if binding.account_id != principal.account_id || binding.expires_at <= now {
        return Err(Error::TotpBindingInvalid);
    }
    let secret = TotpSecret::from_bytes(
        totp_rs::Secret::Encoded(deps.keys().decrypt(binding.secret_encrypted.expose())?)
            .to_bytes()
            .map_err(|e| Error::internal("binding seed", format!("{e:?}")))?,
    );
    // The try is reserved before the codes are compared.
    let reserved = advance(store, current, || Step::Try, now).await?.map_err(|_: Closed| Error::TotpBindingInvalid)?;
    let Some(step) = totp::accept_consecutive(&secret, first.trim(), second.trim(), now) else {
        let left = reserved.flow.progress.tries().left(MAX_SECOND_FACTOR_ATTEMPTS);
        return Err(Error::SecondFactorInvalid { attempts_left: Some(left) });
    };
    if advance(store, reserved, || Step::Finish, now).await?.is_err() {
        return Err(Error::TotpBindingInvalid);
    }
    let codes = generate_recovery_codes();
    let hashes = codes.iter().map(|c| recovery_code_hash(deps, &principal.account_id, c)).collect();
    let change =
        SecurityChange::BindTotp { secret_encrypted: binding.secret_encrypted, step, recovery_code_hashes: hashes };
    if !deps.security().change_security(&binding.credential, &principal.account_id, change).await? {
        return Err(Error::TotpAlreadyBound);
    }
    deps.sessions().grant_step_up(&principal.session_id, &principal.account_id, now + security::STEP_UP_TTL).await?;
    Ok((codes, revoke_others_if(deps, principal, revoke_other_sessions).await?))
}

/// Unbinds the device with a current code [MFA-4], under operation protection. A protection
/// that chose the virtual MFA alone is left with SMS, the only factor remaining.
pub async fn unbind_totp(
    deps: &(impl HasClock + HasKeys + HasSessions + HasSecurity + HasSteps),
    principal: &Principal,
    code: &str,
    revoke_other_sessions: bool,
) -> Result<usize> {
    let proof = FactorProof { factor: Factor::Totp, code: Redacted::new(code.into()), challenge_id: None };
    let accept = |record: &SecurityRecord| {
        if !record.totp_bound() {
            return Err(Error::TotpNotBound);
        }
        require_step_up(deps, principal, record)
    };
    let (record, _) = factors::verify(deps, principal, &proof, Purpose::StepUp, accept, |_| None).await?;
    if !deps
        .security()
        .change_security(
            &principal.credential,
            &principal.account_id,
            SecurityChange::UnbindTotp {
                login_factors: record.login_factors.keep_if_usable(Means { totp_bound: false, ..record.means() }),
                operation_factors: record
                    .operation_factors
                    .keep_if_usable(Means { totp_bound: false, ..record.means() }),
            },
        )
        .await?
    {
        return Err(Error::TotpNotBound);
    }
    revoke_others_if(deps, principal, revoke_other_sessions).await
}

/// Ten new recovery codes replace the old ones, under operation protection.
pub async fn regenerate_recovery_codes(
    deps: &(impl HasClock + HasKeys + HasSecurity),
    principal: &Principal,
) -> Result<Vec<String>> {
    let record = record_of(deps, principal).await?;
    if !record.totp_bound() {
        return Err(Error::TotpNotBound);
    }
    require_step_up(deps, principal, &record)?;
    let codes = generate_recovery_codes();
    let hashes = codes.iter().map(|c| recovery_code_hash(deps, &principal.account_id, c)).collect();
    if !deps
        .security()
        .change_security(&principal.credential, &principal.account_id, SecurityChange::ReplaceRecoveryCodes { hashes })
        .await?
    {
        return Err(Error::TotpNotBound);
    }
    Ok(codes)
}

// ---- settings ------------------------------------------------------------------------------

/// The protection settings as the owner sets them; factors left out keep their current choice.
#[derive(Debug, Clone, Copy)]
pub struct ProtectionSettings {
    pub login: bool,
    pub operation: bool,
    pub login_factors: Option<ChosenFactors>,
    pub operation_factors: Option<ChosenFactors>,
}

/// Login and operation protection on or off, each with the factors the owner chose (one or
/// both; with both, either passes) [LOGIN-3, MFA-1, MFA-2], under operation protection. The
/// virtual MFA alone needs a bound device (`TOTP_NOT_BOUND` with the binding route).
pub async fn set_protection(
    deps: &(impl HasClock + HasSecurity),
    principal: &Principal,
    settings: ProtectionSettings,
) -> Result<()> {
    let record = record_of(deps, principal).await?;
    require_step_up(deps, principal, &record)?;
    let login_factors = settings.login_factors.unwrap_or(record.login_factors);
    let operation_factors = settings.operation_factors.unwrap_or(record.operation_factors);
    for chosen in [login_factors, operation_factors] {
        if !chosen.usable_with(record.means()) {
            // What is missing: a device to bind, or a passkey to register [MFA-3, KEY-2].
            return Err(if chosen.list().contains(&Factor::Totp) {
                Error::TotpNotBound
            } else {
                Error::PasskeyNotRegistered
            });
        }
    }
    let change = SecurityChange::Protection {
        login: settings.login,
        operation: settings.operation,
        login_factors,
        operation_factors,
    };
    deps.security().change_security(&principal.credential, &principal.account_id, change).await?;
    Ok(())
}

/// The idle timeout of the account's sessions [LOGIN-4]: 15 minutes to 23 hours 59 minutes.
/// Sessions signed in from now on use it, and so does the current one (from now) [LOGIN-4].
pub async fn set_idle_timeout(
    deps: &(impl HasClock + HasSessions + HasSecurity + HasSubUsers),
    principal: &Principal,
    minutes: i64,
) -> Result<()> {
    let timeout = idle_timeout_from_minutes(minutes).map_err(|_| Error::IdleTimeoutOutOfRange)?;
    let secs = timeout.num_seconds();
    deps.security()
        .change_security(&principal.credential, &principal.account_id, SecurityChange::IdleTimeout { secs })
        .await?;
    // A main account's idle timeout applies to its sub-users [LOGIN-5]; read again after, so that
    // two changes at once leave them with the one the main account kept.
    let mut applied = secs;
    for _ in 0..3 {
        deps.sub_users().set_idle_timeout(&principal.account_id, applied).await?;
        let kept = record_of(deps, principal).await?.idle_timeout_secs;
        if kept == applied {
            break;
        }
        applied = kept;
    }
    deps.sessions().set_idle_timeout(&principal.session_id, &principal.account_id, secs, deps.clock().now()).await
}

/// Changes the password under operation protection; optionally signs out every other session.
/// Returns how many sessions were revoked.
pub async fn change_password(
    deps: &(impl HasClock + HasSignIn + HasSessions + HasSecurity),
    principal: &Principal,
    current: &Password,
    new: &Password,
    revoke_other_sessions: bool,
) -> Result<usize> {
    let record = record_of(deps, principal).await?;
    require_step_up(deps, principal, &record)?;
    // Guesses of the current password are limited like sign-in failures [LOGIN-6]: the try is
    // reserved before the password is checked, and a success clears the window.
    let window = Throttle::CurrentPassword(principal.account_id.clone());
    let now = deps.clock().now();
    let cap = [(&window, throttle::MAX_FAILURES_PER_USERNAME)];
    if let Err(full) = deps.sign_in().reserve(&cap, now, throttle::WINDOW).await? {
        return Err(Error::SignInLocked { retry_after_secs: full.retry_after_secs });
    }
    if !password::verify(current, Some(record.password_hash.expose())).await? {
        return Err(Error::CurrentPasswordWrong);
    }
    deps.sign_in().settle(&[Settle::Clear(window)], now).await?;
    check_policy(new, principal.credential.cloud_username().unwrap_or_default()).map_err(Error::WeakPassword)?;
    let hash = Redacted::new(password::hash(new).await?);
    deps.security()
        .change_security(&principal.credential, &principal.account_id, SecurityChange::Password { hash })
        .await?;
    revoke_others_if(deps, principal, revoke_other_sessions).await
}

/// After a credential change the owner may sign out every other session (kept: this one).
async fn revoke_others_if(deps: &(impl HasClock + HasSessions), principal: &Principal, revoke: bool) -> Result<usize> {
    if !revoke {
        return Ok(0);
    }
    super::sessions::revoke_other_sessions(deps, principal).await
}
