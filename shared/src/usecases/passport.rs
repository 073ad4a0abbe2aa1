//! Passport accounts [REG-3, REG-4, LOGIN-2]: SMS sign-in that registers a phone without one
//! (one passport account per phone, enforced by the database), activation on first sign-in to the
//! cloud, and the platform's import of accounts made elsewhere (passport accounts of other
//! products, legacy cloud accounts).

use super::codes;
use super::sign_in::{start_session, SessionFor, SignedIn};
use super::Caller;
use crate::crypto::password;
use crate::domain::agreements::{accept_required, AgreementRef};
use crate::domain::code::{Code, Purpose};
use crate::domain::email::Email;
use crate::domain::ids::new_account_id;
use crate::domain::password::Password;
use crate::domain::phone::Phone;
use crate::domain::session::{Principal, SignInMethod, DEFAULT_IDLE_TIMEOUT};
use crate::domain::username::Username;
use crate::error::{Error, Result};
use crate::ports::{NewCloudAccount, NewPassportAccount, PassportOutcome, RegisterOutcome, SealedContact};
use crate::services::Services;

fn passport_login(account_id: &str) -> String {
    format!("pp:{account_id}")
}

fn seal_phone(services: &Services, phone: &Phone) -> Result<SealedContact> {
    Ok(SealedContact {
        encrypted: services.keys.encrypt(phone.as_e164())?,
        masked: phone.masked(),
        hash: codes::phone_target(services, phone),
    })
}

async fn session_for(services: &Services, account_id: &str, caller: &Caller) -> Result<SignedIn> {
    let login = passport_login(account_id);
    let record = services.security.security(&login).await?.ok_or(Error::NotFound)?;
    let account = services.accounts.account(account_id).await?.ok_or(Error::NotFound)?;
    let whom = SessionFor {
        account_id,
        login_key: &login,
        idle_timeout_secs: record.idle_timeout_secs,
        activation_pending: !account.activated,
    };
    start_session(services, whom, SignInMethod::SmsCode, caller, None).await
}

/// SMS sign-in of a passport account, registering the phone's one passport account if it has
/// none (then the agreements are required and recorded, and the account is active at once).
pub async fn sms_sign_in(
    services: &Services,
    phone: &Phone,
    challenge_id: &str,
    code: &Code,
    agreements: Option<&[AgreementRef]>,
    caller: &Caller,
) -> Result<SignedIn> {
    let now = services.clock.now();
    let sealed = seal_phone(services, phone)?;
    if let Some(account_id) = services.accounts.passport_of(&sealed.hash).await? {
        codes::consume(services, challenge_id, code, Purpose::PassportSignIn, &sealed.hash).await?;
        return session_for(services, &account_id, caller).await;
    }
    let accepted = accept_required(agreements.unwrap_or_default(), now)
        .map_err(|missing| Error::AgreementsRequired { missing })?;
    let account = NewPassportAccount {
        account_id: new_account_id(),
        username: None,
        phone: sealed.clone(),
        email: None,
        password_hash: String::new(),
        created_at: now,
        agreements: accepted,
        activated: true,
    };
    let proof = codes::proof(services, challenge_id, code, Purpose::PassportSignIn, &sealed.hash, now);
    match services.accounts.create_passport(&account, Some(&proof)).await? {
        PassportOutcome::Created => session_for(services, &account.account_id, caller).await,
        PassportOutcome::Exists { account_id } => {
            // Another sign-in registered the phone first: this one signs in to that account.
            codes::consume(services, challenge_id, code, Purpose::PassportSignIn, &sealed.hash).await?;
            session_for(services, &account_id, caller).await
        }
        PassportOutcome::CodeRejected => Err(codes::refusal(services, challenge_id, now).await?),
    }
}

/// Accepts the three agreements; the account is then active and this session may do everything
/// [REG-4]. Answers the AccountId, bound for life.
pub async fn activate(services: &Services, principal: &Principal, agreements: &[AgreementRef]) -> Result<String> {
    let accepted =
        accept_required(agreements, services.clock.now()).map_err(|missing| Error::AgreementsRequired { missing })?;
    services.accounts.activate(&principal.account_id, &principal.login_key, &accepted).await?;
    services.sessions.clear_activation(&principal.session_id, &principal.account_id).await?;
    Ok(principal.account_id.clone())
}

/// The platform's import of a passport account created by another product: not yet activated
/// for the cloud. Answers its id.
pub async fn import_passport_account(
    services: &Services,
    phone: &Phone,
    username: Option<&Username>,
    email: Option<&Email>,
    password: Option<&Password>,
) -> Result<String> {
    let password_hash = match password {
        Some(p) => password::hash(p).await?,
        None => String::new(),
    };
    let email = email
        .map(|e| -> Result<SealedContact> {
            Ok(SealedContact {
                encrypted: services.keys.encrypt(e.as_str())?,
                masked: e.masked(),
                hash: codes::email_target(services, e.as_str()),
            })
        })
        .transpose()?;
    let account = NewPassportAccount {
        account_id: new_account_id(),
        username: username.map(|u| u.as_str().to_owned()),
        phone: seal_phone(services, phone)?,
        email,
        password_hash,
        created_at: services.clock.now(),
        agreements: vec![],
        activated: false,
    };
    match services.accounts.create_passport(&account, None).await? {
        PassportOutcome::Created => Ok(account.account_id),
        _ => Err(Error::invalid("phone", "already has a passport account")),
    }
}

/// The platform's import of a legacy cloud account (registered before 2022-09-07): it must be
/// activated on first sign-in [REG-4].
pub async fn import_legacy_cloud_account(
    services: &Services,
    username: &Username,
    password: &Password,
    phone: &Phone,
) -> Result<String> {
    let sealed = seal_phone(services, phone)?;
    let account = NewCloudAccount {
        account_id: new_account_id(),
        username: username.as_str().into(),
        username_key: username.key(),
        password_hash: password::hash(password).await?,
        phone_hash: sealed.hash,
        phone_encrypted: sealed.encrypted,
        phone_masked: sealed.masked,
        created_at: services.clock.now(),
        agreements: vec![],
        idle_timeout_secs: DEFAULT_IDLE_TIMEOUT.num_seconds(),
        legacy: true,
    };
    match services.accounts.register(&account, None, crate::domain::account::MAX_CLOUD_ACCOUNTS_PER_PHONE).await? {
        RegisterOutcome::Registered => Ok(account.account_id),
        RegisterOutcome::UsernameTaken => Err(Error::UsernameTaken),
        RegisterOutcome::PhoneLimitReached => Err(Error::PhoneAccountLimit),
        RegisterOutcome::CodeRejected => Err(Error::internal("import", "no code was given")),
    }
}
