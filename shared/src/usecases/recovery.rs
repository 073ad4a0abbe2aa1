//! Recovery [REC-1..REC-4]: a forgotten password (cloud account by username, passport account by
//! phone or email; a captcha first, then an SMS code to the bound phone) and a forgotten account
//! (by phone, AccountId, real-name identity, server IP, domain or ICP filing). Nothing is revealed
//! to someone who cannot prove the bound phone: the answers before the code are the same whether
//! or not an account matched, and the account names come only after the code.

use super::codes;
use super::deps::{
    HasAccounts, HasClock, HasCodes, HasFlows, HasKeys, HasKyc, HasOutbox, HasResources, HasSecurity, HasSessions,
    HasSignIn,
};
use super::flows::advance;
use super::sign_in::login_name_of;
use super::Caller;
use crate::crypto::password;
use crate::domain::account::AccountKind;
use crate::domain::captcha::{self, CAPTCHA_TTL};
use crate::domain::code::{self as code_rules, Code, Purpose};
use crate::domain::flow::{Closed, Flow, Progress, Step, Tried, Versioned};
use crate::domain::identity::{IdDocument, PersonName};
use crate::domain::ids::{AccountId, ChallengeId, FlowId};
use crate::domain::password::{check_policy, Password};
use crate::domain::phone::Phone;
use crate::domain::recovery::{AccountLookup, Captcha, LookupPhone, PasswordReset, ResetTarget, RECOVERY_TTL};
use crate::domain::redacted::Redacted;
use crate::error::{Error, Result};
use crate::ports::{CodeProof, ResourceKind, SecurityChange};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

// ---- captcha ------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct CaptchaIssued {
    pub captcha_id: FlowId,
    pub image: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn issue_captcha(deps: &(impl HasClock + HasKeys + HasFlows)) -> Result<CaptchaIssued> {
    let answer = captcha::generate_answer();
    let captcha_id = FlowId::generate();
    let expires_at = deps.clock().now() + CAPTCHA_TTL;
    let flow = Captcha {
        answer_hash: deps.keys().keyed_hash("captcha", &answer),
        answer_encrypted: Redacted::new(deps.keys().encrypt(&answer)?),
        expires_at,
        used: false,
    };
    deps.flows::<Captcha>().create(&captcha_id, &flow).await?;
    use base64::Engine;
    let image = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(captcha::svg(&answer))
    );
    Ok(CaptchaIssued { captcha_id, image, expires_at })
}

/// Checks a captcha once: right or wrong, it is used up.
pub(crate) async fn check_captcha(
    deps: &(impl HasClock + HasKeys + HasFlows),
    captcha_id: &FlowId,
    answer: &str,
) -> Result<()> {
    let store = deps.flows::<Captcha>();
    let current = store.load(captcha_id).await?.ok_or(Error::CaptchaInvalid)?;
    let next = current.flow.clone().apply((), deps.clock().now()).map_err(|_| Error::CaptchaInvalid)?;
    if !store.save(&current, &next).await? {
        return Err(Error::CaptchaInvalid);
    }
    if deps.keys().keyed_hash("captcha", &captcha::normalise(answer)) != current.flow.answer_hash {
        return Err(Error::CaptchaInvalid);
    }
    Ok(())
}

/// The sandbox's solver (the local gateway's `GET /sandbox/captchas/{id}`; never deployed).
pub async fn sandbox_captcha_answer(deps: &(impl HasKeys + HasFlows), captcha_id: &str) -> Result<Option<String>> {
    let id = FlowId::from_raw(captcha_id);
    let Some(current) = deps.flows::<Captcha>().load(&id).await? else { return Ok(None) };
    deps.keys().decrypt(current.flow.answer_encrypted.expose()).map(Some)
}

// ---- forgotten password -----------------------------------------------------------------------

/// One try at a recovery flow's code. The try is reserved in the flow first, whatever the phone
/// or account (one counter per flow), then the code is compared if something matched; every
/// refusal answers alike, from the flow's counter, so the answers reveal nothing [REC-4].
async fn recovery_try<F>(
    deps: &(impl HasClock + HasKeys + HasCodes + HasFlows),
    current: Versioned<F>,
    claim: Option<(&ChallengeId, &str, Purpose)>,
    code: &Code,
) -> Result<(Versioned<F>, Option<CodeProof>)>
where
    F: for<'a> Tried<Event<'a> = Step, Refusal = Closed>,
{
    let reserved = match advance(deps.flows::<F>(), current, || Step::Try, deps.clock().now()).await? {
        Ok(next) => next,
        Err(Closed::Expired) => return Err(Error::CodeNotFound),
        Err(_) => return Err(Error::CodeAttemptsExceeded),
    };
    let refused = match reserved.flow.progress().tries().left(code_rules::MAX_ATTEMPTS) {
        0 => Error::CodeAttemptsExceeded,
        attempts_left => Error::CodeMismatch { attempts_left },
    };
    let Some((challenge_id, target, purpose)) = claim else { return Err(refused) };
    match codes::check(deps, challenge_id, code, purpose, target).await? {
        Ok(proof) => Ok((reserved, Some(proof))),
        Err(_) => Err(refused),
    }
}

/// Starts a reset [REC-1, REC-2]: after the captcha, a code goes to the bound phone if the
/// account exists. The answer is the same either way.
pub async fn start_password_reset(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasSignIn + HasOutbox + HasFlows),
    account: &str,
    passport: bool,
    captcha_id: &FlowId,
    captcha_answer: &str,
    caller: &Caller,
) -> Result<FlowId> {
    check_captcha(deps, captcha_id, captcha_answer).await?;
    let name = login_name_of(deps, account, passport);
    let target = match deps.sign_in().credential(&name).await? {
        None => {
            codes::send_quietly(deps, None, account, Purpose::PasswordReset, caller).await?;
            None
        }
        Some(credential) => {
            let phone = codes::account_phone(deps, &credential.account_id).await?;
            let sent = codes::send_quietly(deps, Some(&phone), account, Purpose::PasswordReset, caller).await?;
            sent.map(|sent| ResetTarget {
                account_id: credential.account_id,
                credential: credential.credential,
                phone_hash: codes::phone_target(deps, &phone),
                challenge_id: sent.challenge_id,
            })
        }
    };
    let reset_id = FlowId::generate();
    let reset = PasswordReset { target, expires_at: deps.clock().now() + RECOVERY_TTL, progress: Progress::default() };
    deps.flows::<PasswordReset>().create(&reset_id, &reset).await?;
    Ok(reset_id)
}

/// Completes a reset with the code and a new password; every session of the account ends.
pub async fn complete_password_reset(
    deps: &(impl HasClock + HasKeys + HasCodes + HasSessions + HasSecurity + HasFlows),
    reset_id: &FlowId,
    code: &Code,
    new_password: &Password,
) -> Result<()> {
    let now = deps.clock().now();
    let current = deps.flows::<PasswordReset>().load(reset_id).await?.ok_or(Error::CodeNotFound)?;
    if current.flow.expires_at <= now {
        return Err(Error::CodeNotFound);
    }
    let matched = current.flow.target.clone();
    let claim = matched.as_ref().map(|t| (&t.challenge_id, t.phone_hash.as_str(), Purpose::PasswordReset));
    let (current, proof) = recovery_try(deps, current, claim, code).await?;
    let (Some(target), Some(proof)) = (matched, proof) else { return Err(Error::CodeNotFound) };
    // The password policy is checked only once the code proved the phone [REC-4].
    check_policy(new_password, target.credential.cloud_username().unwrap_or_default()).map_err(Error::WeakPassword)?;
    if !deps.codes().consume(&proof).await? {
        return Err(Error::CodeUsed);
    }
    let hash = Redacted::new(password::hash(new_password).await?);
    deps.security().change_security(&target.credential, &target.account_id, SecurityChange::Password { hash }).await?;
    deps.sessions().revoke_all(&target.account_id, &target.credential).await?;
    // The code was single use: a refusal here only means the flow expired meanwhile.
    let _ = advance(deps.flows::<PasswordReset>(), current, || Step::Finish, now).await?;
    Ok(())
}

// ---- forgotten account ------------------------------------------------------------------------

/// How the owner describes the account they forgot [REC-3].
#[derive(Debug)]
pub enum LookupBy {
    Phone(Phone),
    AccountId(AccountId),
    Identity { name: PersonName, document: IdDocument },
    Resource(ResourceKind, String),
}

async fn candidates(
    deps: &(impl HasKeys + HasAccounts + HasKyc + HasResources),
    by: &LookupBy,
) -> Result<Vec<AccountId>> {
    Ok(match by {
        LookupBy::Phone(phone) => deps.accounts().accounts_of_phone(&codes::phone_target(deps, phone)).await?,
        LookupBy::AccountId(id) => vec![id.clone()],
        LookupBy::Identity { name, document } => {
            let hash =
                deps.keys().keyed_hash("id-document", &format!("{}:{}", document.kind().as_str(), document.number()));
            let mut matched = vec![];
            for id in deps.kyc().accounts_of_document(&hash).await? {
                let Some(account) = deps.accounts().account(&id).await? else { continue };
                let same_name = account
                    .personal
                    .as_ref()
                    .and_then(|p| deps.keys().decrypt(&p.name_encrypted).ok())
                    .is_some_and(|n| n == name.expose());
                if same_name {
                    matched.push(id);
                }
            }
            matched
        }
        LookupBy::Resource(kind, value) => deps.resources().owners(*kind, value).await?,
    })
}

/// Starts a lookup: after the captcha, a code goes to the bound phone of each matching account.
/// The answer never says whether anything matched [REC-4].
pub async fn start_account_lookup(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasKyc + HasOutbox + HasResources + HasFlows),
    by: LookupBy,
    captcha_id: &FlowId,
    captcha_answer: &str,
    caller: &Caller,
) -> Result<FlowId> {
    check_captcha(deps, captcha_id, captcha_answer).await?;
    let mut by_phone: BTreeMap<String, (Phone, Vec<AccountId>)> = BTreeMap::new();
    for id in candidates(deps, &by).await? {
        let Some(account) = deps.accounts().account(&id).await? else { continue };
        let Ok(phone) = deps
            .keys()
            .decrypt(&account.phone.encrypted)
            .and_then(|p| Phone::parse(&p).map_err(|e| Error::internal("stored phone", e)))
        else {
            continue;
        };
        by_phone.entry(account.phone.hash).or_insert_with(|| (phone, vec![])).1.push(id);
    }
    let mut phones = BTreeMap::new();
    if by_phone.is_empty() {
        codes::send_quietly(deps, None, &format!("{by:?}"), Purpose::AccountLookup, caller).await?;
    }
    for (hash, (phone, ids)) in by_phone {
        let sent = codes::send_quietly(deps, Some(&phone), "", Purpose::AccountLookup, caller).await?;
        if let Some(sent) = sent {
            phones.insert(hash, LookupPhone { challenge_id: sent.challenge_id, accounts: ids });
        }
    }
    let lookup_id = FlowId::generate();
    let lookup = AccountLookup { phones, expires_at: deps.clock().now() + RECOVERY_TTL, progress: Progress::default() };
    deps.flows::<AccountLookup>().create(&lookup_id, &lookup).await?;
    Ok(lookup_id)
}

/// An account revealed to the owner of its bound phone.
#[derive(Debug, Clone, Serialize)]
pub struct FoundAccount {
    pub account_id: AccountId,
    pub kind: AccountKind,
    pub username: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The code from the bound phone reveals the accounts found for that phone, in full.
pub async fn verify_account_lookup(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasFlows),
    lookup_id: &FlowId,
    phone: &Phone,
    code: &Code,
) -> Result<Vec<FoundAccount>> {
    let current = deps.flows::<AccountLookup>().load(lookup_id).await?.ok_or(Error::CodeNotFound)?;
    if current.flow.expires_at <= deps.clock().now() {
        return Err(Error::CodeNotFound);
    }
    let hash = codes::phone_target(deps, phone);
    let matched = current.flow.phones.get(&hash).cloned();
    let claim = matched.as_ref().map(|m| (&m.challenge_id, hash.as_str(), Purpose::AccountLookup));
    let (_, proof) = recovery_try(deps, current, claim, code).await?;
    let (Some(LookupPhone { accounts, .. }), Some(proof)) = (matched, proof) else { return Err(Error::CodeNotFound) };
    if !deps.codes().consume(&proof).await? {
        return Err(Error::CodeUsed);
    }
    let mut found = vec![];
    for id in &accounts {
        if let Some(a) = deps.accounts().account(id).await? {
            found.push(FoundAccount {
                account_id: a.account_id,
                kind: a.kind,
                username: (!a.username.is_empty()).then_some(a.username),
                created_at: a.created_at,
            });
        }
    }
    Ok(found)
}
