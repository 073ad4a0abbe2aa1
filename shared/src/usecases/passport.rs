//! Passport accounts [REG-3, REG-4, LOGIN-2]: SMS sign-in that registers a phone without one
//! (one passport account registered per phone, enforced by the database), binding a phone to up
//! to 5 passport accounts, activation on first sign-in to the cloud, and the platform's import of
//! accounts made elsewhere (passport accounts of other products, legacy cloud accounts).

use super::codes;
use super::deps::{HasAccounts, HasClock, HasCodes, HasFlows, HasKeys, HasSecurity, HasSessions, HasSteps};
use super::sign_in::{first_factor_passed, Protection, SessionFor, SignInOutcome};
use super::Caller;
use crate::crypto::password;
use crate::domain::account::MAX_PASSPORT_ACCOUNTS_PER_PHONE;
use crate::domain::agreements::{accept_required, AgreementRef};
use crate::domain::code::{Code, Purpose};
use crate::domain::email::Email;
use crate::domain::ids::{AccountId, ChallengeId};
use crate::domain::login::CredentialRef;
use crate::domain::password::Password;
use crate::domain::phone::Phone;
use crate::domain::redacted::Redacted;
use crate::domain::session::{Principal, SignInMethod, DEFAULT_IDLE_TIMEOUT};
use crate::domain::username::Username;
use crate::error::{Error, Result};
use crate::ports::{
    NewCloudAccount, NewPassportAccount, PassportOutcome, PassportRebind, PhoneChangeOutcome, RegisterOutcome,
    SealedContact,
};

async fn session_for(
    deps: &(impl HasClock + HasKeys + HasAccounts + HasSteps + HasSecurity + HasFlows),
    account_id: &AccountId,
    caller: &Caller,
) -> Result<SignInOutcome> {
    let credential = CredentialRef::Passport(account_id.clone());
    let record = deps.security().security(&credential).await?.ok_or(Error::NotFound)?;
    let account = deps.accounts().account(account_id).await?.ok_or(Error::NotFound)?;
    let whom = SessionFor {
        account_id,
        credential: &credential,
        idle_timeout_secs: record.idle_timeout_secs,
        activation_pending: !account.activated,
        generation: record.session_generation,
    };
    let protection = Protection::of(&record);
    first_factor_passed(deps, whom, protection, SignInMethod::SmsCode, caller, vec![])
        .await?
        .ok_or_else(|| Error::internal("SMS sign-in", "a new session's write was refused"))
}

/// SMS sign-in of a passport account, registering the phone's one passport account if it has
/// none (then the agreements are required and recorded, and the account is active at once).
/// It reaches only the account the phone signs in to, never the others bound to it [REG-3].
/// Under login protection the SMS code is the first factor only [LOGIN-3].
pub async fn sms_sign_in(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasSteps + HasSecurity + HasFlows),
    phone: &Phone,
    challenge_id: &ChallengeId,
    code: &Code,
    agreements: Option<&[AgreementRef]>,
    caller: &Caller,
) -> Result<SignInOutcome> {
    let now = deps.clock().now();
    let sealed = codes::seal_phone(deps, phone)?;
    if let Some(account_id) = deps.accounts().passport_of(&sealed.hash).await? {
        codes::consume(deps, challenge_id, code, Purpose::PassportSignIn, &sealed.hash).await?;
        return session_for(deps, &account_id, caller).await;
    }
    let accepted = accept_required(agreements.unwrap_or_default(), now)
        .map_err(|missing| Error::AgreementsRequired { missing })?;
    let account = NewPassportAccount {
        account_id: AccountId::generate(),
        username: None,
        phone: sealed.clone(),
        email: None,
        password_hash: Redacted::default(),
        created_at: now,
        agreements: accepted,
        activated: true,
    };
    let proof = codes::check(deps, challenge_id, code, Purpose::PassportSignIn, &sealed.hash)
        .await?
        .map_err(codes::refusal_error)?;
    match deps.accounts().create_passport(&account, Some(&proof), MAX_PASSPORT_ACCOUNTS_PER_PHONE).await? {
        PassportOutcome::Created => session_for(deps, &account.account_id, caller).await,
        PassportOutcome::PhoneLimitReached => Err(Error::PhonePassportLimit),
        PassportOutcome::Exists { account_id } => {
            // Another sign-in registered the phone first: this one signs in to that account.
            codes::consume(deps, challenge_id, code, Purpose::PassportSignIn, &sealed.hash).await?;
            session_for(deps, &account_id, caller).await
        }
        PassportOutcome::CodeRejected => Err(Error::CodeUsed),
    }
}

/// Binds a passport account to a new phone (its phone change) [REG-3, ACC-2]: the phone may be
/// bound to at most 5 passport accounts (counted in the same transaction). The phone keeps
/// signing in to the account it signs in to; one that signs in to none (never registered, or its
/// account moved away) signs in to this account from now on. The old phone, if it signed in to
/// this account, no longer does and may register a new one.
pub(crate) async fn bind_phone(
    deps: &impl HasAccounts,
    account_id: &AccountId,
    old_hash: &str,
    new: &SealedContact,
) -> Result<PhoneChangeOutcome> {
    let leaves_sign_in = deps.accounts().passport_of(old_hash).await?.as_ref() == Some(account_id);
    // A lost race for the new phone's sign-in is read again; each retry follows someone else's
    // completed change, so a few suffice.
    for _ in 0..4 {
        let takes_sign_in = deps.accounts().passport_of(&new.hash).await?.is_none();
        let how = PassportRebind { leaves_sign_in, takes_sign_in, cap: MAX_PASSPORT_ACCOUNTS_PER_PHONE };
        match deps.accounts().change_passport_phone(account_id, old_hash, new, how).await? {
            PhoneChangeOutcome::Raced => continue,
            outcome => return Ok(outcome),
        }
    }
    Err(Error::busy("bind passport phone", "the new phone's sign-in kept changing"))
}

/// Accepts the three agreements; the account is then active and this session may do everything
/// [REG-4]. Answers the AccountId, bound for life.
pub async fn activate(
    deps: &(impl HasClock + HasAccounts + HasSessions),
    principal: &Principal,
    agreements: &[AgreementRef],
) -> Result<AccountId> {
    if principal.credential.main_account().is_some() {
        return Err(Error::SubUserForbidden);
    }
    let accepted =
        accept_required(agreements, deps.clock().now()).map_err(|missing| Error::AgreementsRequired { missing })?;
    deps.accounts().activate(&principal.account_id, &principal.credential, &accepted).await?;
    deps.sessions().clear_activation(&principal.session_id, &principal.account_id).await?;
    Ok(principal.account_id.clone())
}

/// The platform's import of a passport account created by another product: not yet activated
/// for the cloud. Answers its id.
pub async fn import_passport_account(
    deps: &(impl HasClock + HasKeys + HasAccounts),
    phone: &Phone,
    username: Option<&Username>,
    email: Option<&Email>,
    password: Option<&Password>,
) -> Result<AccountId> {
    let password_hash = match password {
        Some(p) => Redacted::new(password::hash(p).await?),
        None => Redacted::default(),
    };
    let email = match email {
        Some(e) => Some(SealedContact {
            encrypted: deps.keys().encrypt(e.as_str())?,
            masked: e.masked(),
            hash: codes::email_target(deps, e.as_str()),
        }),
        None => None,
    };
    let account = NewPassportAccount {
        account_id: AccountId::generate(),
        username: username.map(|u| u.as_str().to_owned()),
        phone: codes::seal_phone(deps, phone)?,
        email,
        password_hash,
        created_at: deps.clock().now(),
        agreements: vec![],
        activated: false,
    };
    match deps.accounts().create_passport(&account, None, MAX_PASSPORT_ACCOUNTS_PER_PHONE).await? {
        PassportOutcome::Created => Ok(account.account_id),
        PassportOutcome::PhoneLimitReached => Err(Error::PhonePassportLimit),
        _ => Err(Error::PhoneTaken),
    }
}

/// The platform's import of a legacy cloud account (registered before 2022-09-07): it must be
/// activated on first sign-in [REG-4].
pub async fn import_legacy_cloud_account(
    deps: &(impl HasClock + HasKeys + HasAccounts),
    username: &Username,
    password: &Password,
    phone: &Phone,
) -> Result<AccountId> {
    let sealed = codes::seal_phone(deps, phone)?;
    let account = NewCloudAccount {
        account_id: AccountId::generate(),
        username: username.as_str().into(),
        username_key: username.key(),
        password_hash: Redacted::new(password::hash(password).await?),
        phone: sealed,
        created_at: deps.clock().now(),
        agreements: vec![],
        idle_timeout_secs: DEFAULT_IDLE_TIMEOUT.num_seconds(),
        legacy: true,
    };
    match deps.accounts().register(&account, None, crate::domain::account::MAX_CLOUD_ACCOUNTS_PER_PHONE).await? {
        RegisterOutcome::Registered => Ok(account.account_id),
        RegisterOutcome::UsernameTaken => Err(Error::UsernameTaken),
        RegisterOutcome::PhoneLimitReached => Err(Error::PhoneAccountLimit),
        RegisterOutcome::CodeRejected => Err(Error::internal("import", "no code was given")),
    }
}
