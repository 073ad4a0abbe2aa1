//! Sub-users [LOGIN-5]: a main account creates, lists, disables, deletes them and resets their
//! passwords (under operation protection); sets an alias for their sign-in entry and whether they
//! must use 2FA. Sub-users sign in through their own entry naming the main account; one whose
//! main account requires 2FA and who has no device binds one before the session is issued.

use super::deps::{HasAccounts, HasClock, HasFlows, HasKeys, HasSecurity, HasSignIn, HasSteps, HasSubUsers};
use super::factors::{record_of, recovery_code_hash, require_step_up};
use super::flows::advance;
use super::security::{open_binding, BindingStarted};
use super::sign_in::{closed, new_session, pending, sign_in, signed_in, SessionFor, SignIn, SignInOutcome, SignedIn};
use super::Caller;
use crate::crypto::password;
use crate::domain::flow::{Closed, Flow, Step};
use crate::domain::ids::{AccountId, FlowId};
use crate::domain::login::CredentialRef;
use crate::domain::password::{check_policy, Password};
use crate::domain::redacted::Redacted;
use crate::domain::security::{self, generate_recovery_codes, TotpBinding, MAX_SECOND_FACTOR_ATTEMPTS};
use crate::domain::session::Principal;
use crate::domain::sub_user::{Alias, MainAccount, SubUser, MAX_SUB_USERS};
use crate::domain::totp::{self, TotpSecret};
use crate::domain::username::Username;
use crate::error::{Error, Result};
use crate::ports::{
    AliasOutcome, CreateSubUserOutcome, NewSubUser, SecurityChange, SubUserChange, SubUserDirectory, Write,
};

/// Lost races a change of the alias tolerates.
const MAX_RACES: usize = 8;

#[derive(Debug)]
pub struct NewSubUserRequest {
    pub username: Username,
    pub password: Password,
    pub display_name: Option<String>,
    pub console_access: bool,
}

const MAX_DISPLAY_NAME: usize = 64;

/// Creates a sub-user [LOGIN-5]: its username unique within the main account, its password under
/// the same policy as the main account's; it takes the main account's idle timeout and 2FA rule.
pub async fn create_sub_user(
    deps: &(impl HasClock + HasSecurity + HasSubUsers),
    principal: &Principal,
    request: NewSubUserRequest,
) -> Result<SubUser> {
    let mut record = record_of(deps, principal).await?;
    require_step_up(deps, principal, &record)?;
    let username = request.username.key();
    check_policy(&request.password, &username).map_err(Error::WeakPassword)?;
    let display_name = request.display_name.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
    if display_name.as_ref().is_some_and(|d| d.chars().count() > MAX_DISPLAY_NAME) {
        return Err(Error::invalid("display_name", format!("at most {MAX_DISPLAY_NAME} characters")));
    }
    let now = deps.clock().now();
    let mut sub_user = NewSubUser {
        main: principal.account_id.clone(),
        sub_user_id: AccountId::generate(),
        username: username.clone(),
        display_name: display_name.clone(),
        password_hash: Redacted::new(password::hash(&request.password).await?),
        console_access: request.console_access,
        created_at: now,
        idle_timeout_secs: record.idle_timeout_secs,
        main_credential: principal.credential.clone(),
        require_mfa: false,
    };
    // The credential copies the sub-users' 2FA rule and the main account's idle timeout; either
    // changed meanwhile refuses the creation, which then reads them again.
    let mut outcome = CreateSubUserOutcome::RuleChanged;
    for attempt in 0..3 {
        if attempt > 0 {
            record = record_of(deps, principal).await?;
        }
        sub_user.idle_timeout_secs = record.idle_timeout_secs;
        sub_user.require_mfa = deps.sub_users().directory(&principal.account_id).await?.require_mfa;
        outcome = deps.sub_users().create(&sub_user, MAX_SUB_USERS).await?;
        if outcome != CreateSubUserOutcome::RuleChanged {
            break;
        }
    }
    match outcome {
        CreateSubUserOutcome::Created => Ok(SubUser {
            sub_user_id: sub_user.sub_user_id,
            username,
            display_name,
            console_access: request.console_access,
            enabled: true,
            mfa_bound: false,
            created_at: now,
        }),
        CreateSubUserOutcome::NameTaken => Err(Error::SubUserNameTaken),
        CreateSubUserOutcome::LimitReached => Err(Error::SubUserLimit),
        CreateSubUserOutcome::MainAccountGone => Err(Error::Unauthenticated),
        CreateSubUserOutcome::RuleChanged => Err(Error::busy("create sub-user", "the 2FA rule kept changing")),
    }
}

/// The main account's sub-users and settings.
pub async fn list_sub_users(
    deps: &impl HasSubUsers,
    principal: &Principal,
) -> Result<(SubUserDirectory, Vec<SubUser>)> {
    let directory = deps.sub_users().directory(&principal.account_id).await?;
    let names: Vec<String> = directory.users.values().cloned().collect();
    let users = deps.sub_users().sub_users(&principal.account_id, &names).await?;
    Ok((directory, users))
}

/// The name of one of the main account's sub-users.
async fn name_of(deps: &impl HasSubUsers, main: &AccountId, sub_user_id: &AccountId) -> Result<String> {
    let directory = deps.sub_users().directory(main).await?;
    directory.users.get(sub_user_id).cloned().ok_or(Error::NotFound)
}

/// What the main account does to one sub-user.
#[derive(Debug)]
pub enum SubUserAction {
    Enable,
    /// Its sessions end at once and it cannot sign in.
    Disable,
    /// A new password; its sessions end at once.
    ResetPassword(Password),
    /// Gone, with its sessions.
    Delete,
    /// Its virtual MFA device removed (it lost it); its sessions end at once. With the 2FA rule
    /// on, it binds a new one at its next sign-in.
    RemoveMfaDevice,
}

/// Disables, enables, resets the password of, removes the MFA device of, or deletes a sub-user
/// (all but disabling under operation protection).
pub async fn act_on_sub_user(
    deps: &(impl HasClock + HasSecurity + HasSubUsers),
    principal: &Principal,
    sub_user_id: &AccountId,
    action: SubUserAction,
) -> Result<()> {
    let record = record_of(deps, principal).await?;
    let main = &principal.account_id;
    let name = name_of(deps, main, sub_user_id).await?;
    let done = match action {
        SubUserAction::Enable => {
            // Giving access back is protected; taking it away is not.
            require_step_up(deps, principal, &record)?;
            deps.sub_users().change(main, &name, sub_user_id, SubUserChange::Enabled(true)).await?
        }
        SubUserAction::Disable => {
            deps.sub_users().change(main, &name, sub_user_id, SubUserChange::Enabled(false)).await?
        }
        SubUserAction::ResetPassword(new) => {
            require_step_up(deps, principal, &record)?;
            check_policy(&new, &name).map_err(Error::WeakPassword)?;
            let hash = Redacted::new(password::hash(&new).await?);
            deps.sub_users().change(main, &name, sub_user_id, SubUserChange::Password(hash)).await?
        }
        SubUserAction::Delete => {
            require_step_up(deps, principal, &record)?;
            deps.sub_users().delete(main, &name, sub_user_id).await?
        }
        SubUserAction::RemoveMfaDevice => {
            require_step_up(deps, principal, &record)?;
            if !deps.sub_users().change(main, &name, sub_user_id, SubUserChange::RemoveMfaDevice).await? {
                return Err(Error::TotpNotBound);
            }
            true
        }
    };
    if done {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// The sub-users' settings a main account chooses; each left out stays.
#[derive(Debug, Clone, Default)]
pub struct SubUserSettings {
    pub require_mfa: Option<bool>,
    pub alias: Option<Option<Alias>>,
    /// The sub-users may register passkeys and sign in with them [KEY-1].
    pub passkeys_allowed: Option<bool>,
}

/// The sub-users' sign-in alias, 2FA rule and passkeys, under operation protection.
pub async fn set_sub_user_settings(
    deps: &(impl HasClock + HasSecurity + HasSubUsers),
    principal: &Principal,
    settings: SubUserSettings,
) -> Result<SubUserDirectory> {
    let SubUserSettings { require_mfa, alias, passkeys_allowed } = settings;
    let record = record_of(deps, principal).await?;
    require_step_up(deps, principal, &record)?;
    let main = &principal.account_id;
    if let Some(alias) = alias {
        set_alias(deps, main, alias.as_ref().map(Alias::as_str)).await?;
    }
    if let Some(require) = require_mfa {
        deps.sub_users().set_require_mfa(main, require).await?;
    }
    if let Some(allowed) = passkeys_allowed {
        deps.sub_users().set_passkeys_allowed(main, allowed).await?;
    }
    deps.sub_users().directory(main).await
}

/// Sets the alias over the one read, reading again when another change came first.
async fn set_alias(deps: &impl HasSubUsers, main: &AccountId, new: Option<&str>) -> Result<()> {
    for _ in 0..MAX_RACES {
        let directory = deps.sub_users().directory(main).await?;
        match deps.sub_users().set_alias(main, directory.alias.as_deref(), new).await? {
            AliasOutcome::Set => return Ok(()),
            AliasOutcome::Taken => return Err(Error::AliasTaken),
            AliasOutcome::Raced => continue,
        }
    }
    Err(Error::busy("set the sub-users' alias", "too many concurrent writes"))
}

/// A sub-user's sign-in [LOGIN-5]: the main account by AccountId or alias, then as a main
/// account's password sign-in (failure windows, the same answer for an unknown main account,
/// an unknown or disabled sub-user and a wrong password, login protection).
pub async fn sub_user_sign_in(
    deps: &(impl HasClock + HasKeys + HasAccounts + HasSignIn + HasSteps + HasFlows + HasSubUsers),
    main: MainAccount,
    mut request: SignIn,
    caller: &Caller,
) -> Result<SignInOutcome> {
    let nobody = || AccountId::from_raw("-");
    let main = match main {
        MainAccount::Id(id) => id,
        MainAccount::Alias(alias) => deps.sub_users().main_of_alias(alias.as_str()).await?.unwrap_or_else(nobody),
        MainAccount::Unknown => nobody(),
    };
    // A deleted main account's sub-users sign in to nothing, even before their erasure.
    let live = deps.accounts().account(&main).await?.is_some_and(|a| a.activated);
    request.sub_user_of = Some(if live { main } else { nobody() });
    sign_in(deps, request, caller).await
}

/// The sub-user's pending sign-in that waits for a device to be bound.
async fn awaiting_binding(
    deps: &(impl HasClock + HasFlows + HasSecurity),
    flow_id: &FlowId,
) -> Result<(crate::domain::flow::Versioned<crate::domain::sign_in::PendingSignIn>, String)> {
    let current = pending(deps, flow_id).await?;
    let CredentialRef::SubUser(_, name) = &current.flow.credential else { return Err(Error::SignInFlowInvalid) };
    let name = name.clone();
    let record = deps.security().security(&current.flow.credential).await?.ok_or(Error::SignInFlowInvalid)?;
    if record.session_generation != current.flow.session_generation {
        // Its sessions were ended since the password passed (a password reset, a lost device
        // removed by the main account): this sign-in is over too.
        return Err(Error::SignInFlowInvalid);
    }
    if record.totp_bound() {
        return Err(Error::TotpAlreadyBound);
    }
    Ok((current, name))
}

/// Starts binding the sub-user's device during its sign-in (the pending sign-in is the proof of
/// the password) [LOGIN-5, MFA-3].
pub async fn start_sign_in_binding(
    deps: &(impl HasClock + HasKeys + HasFlows + HasSecurity),
    flow_id: &FlowId,
) -> Result<BindingStarted> {
    let (current, name) = awaiting_binding(deps, flow_id).await?;
    let flow = &current.flow;
    let expires_at = (deps.clock().now() + security::TOTP_BINDING_TTL).min(flow.expires_at);
    open_binding(deps, &flow.account_id, &flow.credential, &name, expires_at).await
}

/// Completes the sub-user's sign-in by binding its device with two consecutive codes: the device
/// bound, the sign-in finished and the session created in one transaction; the recovery codes
/// are shown once.
pub async fn confirm_sign_in_binding(
    deps: &(impl HasClock + HasKeys + HasFlows + HasSecurity + HasSteps),
    flow_id: &FlowId,
    binding_id: &FlowId,
    first: &str,
    second: &str,
    caller: &Caller,
) -> Result<(SignedIn, Vec<String>)> {
    let (current, _) = awaiting_binding(deps, flow_id).await?;
    let flow = &current.flow;
    let now = deps.clock().now();
    let store = deps.flows::<TotpBinding>();
    let binding = store.load(binding_id).await?.ok_or(Error::TotpBindingInvalid)?;
    if binding.flow.credential != flow.credential || binding.flow.expires_at <= now {
        return Err(Error::TotpBindingInvalid);
    }
    let seed = deps.keys().decrypt(binding.flow.secret_encrypted.expose())?;
    let secret = TotpSecret::from_bytes(
        totp_rs::Secret::Encoded(seed).to_bytes().map_err(|e| Error::internal("binding seed", format!("{e:?}")))?,
    );
    // The try is reserved before the codes are compared.
    let reserved = advance(store, binding, || Step::Try, now).await?.map_err(|_: Closed| Error::TotpBindingInvalid)?;
    let Some(step) = totp::accept_consecutive(&secret, first.trim(), second.trim(), now) else {
        let left = reserved.flow.progress.tries().left(MAX_SECOND_FACTOR_ATTEMPTS);
        return Err(Error::SecondFactorInvalid { attempts_left: Some(left) });
    };
    let secret_encrypted = reserved.flow.secret_encrypted.clone();
    if advance(store, reserved, || Step::Finish, now).await?.is_err() {
        return Err(Error::TotpBindingInvalid);
    }
    let codes = generate_recovery_codes();
    let recovery_code_hashes = codes.iter().map(|c| recovery_code_hash(deps, &flow.account_id, c)).collect();
    let whom = SessionFor {
        account_id: &flow.account_id,
        credential: &flow.credential,
        idle_timeout_secs: flow.idle_timeout_secs,
        activation_pending: false,
        generation: flow.session_generation,
    };
    let session = new_session(deps, &whom, flow.method.with_second_factor(), caller);
    let finished = flow.clone().apply(Step::Finish, now).map_err(closed)?;
    let writes = [
        Write::Security {
            credential: &flow.credential,
            account_id: &flow.account_id,
            change: SecurityChange::BindTotp { secret_encrypted, step, recovery_code_hashes },
        },
        Write::SignIn(&current, &finished),
        Write::CreateSession(&session),
    ];
    if deps.steps().write(&writes).await?.is_err() {
        return Err(Error::SignInFlowInvalid);
    }
    Ok((signed_in(deps, &session)?, codes))
}
