//! Recovery [REC-1..REC-4]: a forgotten password (cloud account by username, passport account by
//! phone or email; a captcha first, then an SMS code to the bound phone) and a forgotten account
//! (by phone, AccountId, real-name identity, server IP, domain or ICP filing). Nothing is revealed
//! to someone who cannot prove the bound phone: the answers before the code are the same whether
//! or not an account matched, and the account names come only after the code.

use super::codes::{self, CodeSent};
use super::sign_in::{login_key_of, username_of};
use super::Caller;
use crate::crypto::password;
use crate::domain::captcha::{self, CAPTCHA_TTL};
use crate::domain::code::{self as code_rules, Code, Purpose};
use crate::domain::identity::{IdDocument, PersonName};
use crate::domain::ids::new_opaque_id;
use crate::domain::password::{check_policy, Password};
use crate::domain::phone::Phone;
use crate::error::{Error, Result};
use crate::ports::{ResourceKind, SecurityChange};
use crate::services::Services;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const RECOVERY_TTL: Duration = Duration::minutes(15);

// ---- captcha ------------------------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct CaptchaFlow {
    answer_hash: String,
    /// Kept for the local sandbox solver only.
    answer_encrypted: String,
}

fn captcha_key(id: &str) -> String {
    format!("captcha:{id}")
}

#[derive(Debug, Clone)]
pub struct CaptchaIssued {
    pub captcha_id: String,
    pub image: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn issue_captcha(services: &Services) -> Result<CaptchaIssued> {
    let answer = captcha::generate_answer();
    let captcha_id = new_opaque_id();
    let expires_at = services.clock.now() + CAPTCHA_TTL;
    let flow = CaptchaFlow {
        answer_hash: services.keys.keyed_hash("captcha", &answer),
        answer_encrypted: services.keys.encrypt(&answer)?,
    };
    services
        .flows
        .put_flow(
            &captcha_key(&captcha_id),
            serde_json::to_value(flow).map_err(|e| Error::internal("encode captcha", e))?,
            expires_at,
        )
        .await?;
    use base64::Engine;
    let image = format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(captcha::svg(&answer))
    );
    Ok(CaptchaIssued { captcha_id, image, expires_at })
}

/// Checks a captcha once: right or wrong, it is used up.
async fn check_captcha(services: &Services, captcha_id: &str, answer: &str) -> Result<()> {
    let key = captcha_key(captcha_id);
    let flow = services.flows.flow(&key).await?.ok_or(Error::CaptchaInvalid)?;
    if !services.flows.take_flow(&key, services.clock.now(), 1).await? {
        return Err(Error::CaptchaInvalid);
    }
    let stored: CaptchaFlow = serde_json::from_value(flow.body).map_err(|e| Error::internal("decode captcha", e))?;
    if services.keys.keyed_hash("captcha", &captcha::normalise(answer)) != stored.answer_hash {
        return Err(Error::CaptchaInvalid);
    }
    Ok(())
}

/// The sandbox's solver (the local gateway's `GET /sandbox/captchas/{id}`; never deployed).
pub async fn sandbox_captcha_answer(services: &Services, captcha_id: &str) -> Result<Option<String>> {
    let Some(flow) = services.flows.flow(&captcha_key(captcha_id)).await? else { return Ok(None) };
    let stored: CaptchaFlow = serde_json::from_value(flow.body).map_err(|e| Error::internal("decode captcha", e))?;
    services.keys.decrypt(&stored.answer_encrypted).map(Some)
}

// ---- forgotten password -----------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct ResetFlow {
    /// `None` when no account matched: the flow still exists so the answers are alike.
    account: Option<ResetTarget>,
}

#[derive(Serialize, Deserialize)]
struct ResetTarget {
    account_id: String,
    login_key: String,
    phone_hash: String,
    challenge_id: String,
}

fn reset_key(id: &str) -> String {
    format!("password-reset:{id}")
}

/// Starts a reset [REC-1, REC-2]: after the captcha, a code goes to the bound phone if the
/// account exists. The answer is the same either way.
pub async fn start_password_reset(
    services: &Services,
    account: &str,
    passport: bool,
    captcha_id: &str,
    captcha_answer: &str,
    caller: &Caller,
) -> Result<String> {
    check_captcha(services, captcha_id, captcha_answer).await?;
    let key = login_key_of(services, account, passport);
    let target = match services.sign_in.credential(&key).await? {
        None => None,
        Some(credential) => {
            let phone = codes::account_phone(services, &credential.account_id).await?;
            let sent = codes::send_sms_code(
                services,
                codes::SendSmsCode { phone: phone.clone(), purpose: Purpose::PasswordReset },
                caller,
            )
            .await?;
            Some(ResetTarget {
                account_id: credential.account_id,
                login_key: credential.login_key,
                phone_hash: codes::phone_target(services, &phone),
                challenge_id: sent.challenge_id,
            })
        }
    };
    let reset_id = new_opaque_id();
    let flow = serde_json::to_value(ResetFlow { account: target }).map_err(|e| Error::internal("encode reset", e))?;
    services.flows.put_flow(&reset_key(&reset_id), flow, services.clock.now() + RECOVERY_TTL).await?;
    Ok(reset_id)
}

/// Completes a reset with the code and a new password; every session of the account ends.
pub async fn complete_password_reset(
    services: &Services,
    reset_id: &str,
    code: &Code,
    new_password: &Password,
) -> Result<()> {
    let key = reset_key(reset_id);
    let flow =
        services.flows.flow(&key).await?.filter(|f| f.expires_at > services.clock.now()).ok_or(Error::CodeNotFound)?;
    let reset: ResetFlow = serde_json::from_value(flow.body).map_err(|e| Error::internal("decode reset", e))?;
    let Some(target) = reset.account else {
        let attempts = services.flows.count_flow_failure(&key, code_rules::MAX_ATTEMPTS).await?;
        return Err(match attempts {
            Some(a) if a < code_rules::MAX_ATTEMPTS => {
                Error::CodeMismatch { attempts_left: code_rules::MAX_ATTEMPTS - a }
            }
            _ => Error::CodeAttemptsExceeded,
        });
    };
    check_policy(new_password, username_of(&target.login_key)).map_err(Error::WeakPassword)?;
    codes::consume(services, &target.challenge_id, code, Purpose::PasswordReset, &target.phone_hash).await?;
    let hash = password::hash(new_password).await?;
    services.security.change_security(&target.login_key, &target.account_id, SecurityChange::Password { hash }).await?;
    services.sessions.revoke_others(&target.account_id, None).await?;
    services.flows.take_flow(&key, services.clock.now(), u32::MAX).await?;
    Ok(())
}

// ---- forgotten account ------------------------------------------------------------------------

/// How the owner describes the account they forgot [REC-3].
#[derive(Debug)]
pub enum LookupBy {
    Phone(Phone),
    AccountId(String),
    Identity { name: PersonName, document: IdDocument },
    Resource(ResourceKind, String),
}

#[derive(Serialize, Deserialize)]
struct LookupFlow {
    /// Per bound phone (keyed hash): the code sent to it and the accounts it may reveal.
    phones: BTreeMap<String, (String, Vec<String>)>,
}

fn lookup_key(id: &str) -> String {
    format!("account-lookup:{id}")
}

async fn candidates(services: &Services, by: &LookupBy) -> Result<Vec<String>> {
    Ok(match by {
        LookupBy::Phone(phone) => services.accounts.accounts_of_phone(&codes::phone_target(services, phone)).await?,
        LookupBy::AccountId(id) => vec![id.clone()],
        LookupBy::Identity { name, document } => {
            let hash =
                services.keys.keyed_hash("id-document", &format!("{}:{}", document.kind().as_str(), document.number()));
            let mut matched = vec![];
            for id in services.kyc.accounts_of_document(&hash).await? {
                let Some(account) = services.accounts.account(&id).await? else { continue };
                let same_name = account
                    .personal
                    .as_ref()
                    .and_then(|p| services.keys.decrypt(&p.name_encrypted).ok())
                    .is_some_and(|n| n == name.expose());
                if same_name {
                    matched.push(id);
                }
            }
            matched
        }
        LookupBy::Resource(kind, value) => services.resources.owners(*kind, value).await?,
    })
}

/// Starts a lookup: after the captcha, a code goes to the bound phone of each matching account.
/// The answer never says whether anything matched [REC-4].
pub async fn start_account_lookup(
    services: &Services,
    by: LookupBy,
    captcha_id: &str,
    captcha_answer: &str,
    caller: &Caller,
) -> Result<String> {
    check_captcha(services, captcha_id, captcha_answer).await?;
    let mut by_phone: BTreeMap<String, (Phone, Vec<String>)> = BTreeMap::new();
    for id in candidates(services, &by).await? {
        let Some(account) = services.accounts.account(&id).await? else { continue };
        let Ok(phone) = services
            .keys
            .decrypt(&account.phone_encrypted)
            .and_then(|p| Phone::parse(&p).map_err(|e| Error::internal("stored phone", e)))
        else {
            continue;
        };
        by_phone.entry(account.phone_hash).or_insert_with(|| (phone, vec![])).1.push(id);
    }
    let mut phones = BTreeMap::new();
    for (hash, (phone, ids)) in by_phone {
        let sent: CodeSent =
            codes::send_sms_code(services, codes::SendSmsCode { phone, purpose: Purpose::AccountLookup }, caller)
                .await?;
        phones.insert(hash, (sent.challenge_id, ids));
    }
    let lookup_id = new_opaque_id();
    let flow = serde_json::to_value(LookupFlow { phones }).map_err(|e| Error::internal("encode lookup", e))?;
    services.flows.put_flow(&lookup_key(&lookup_id), flow, services.clock.now() + RECOVERY_TTL).await?;
    Ok(lookup_id)
}

/// An account revealed to the owner of its bound phone.
#[derive(Debug, Clone, Serialize)]
pub struct FoundAccount {
    pub account_id: String,
    pub kind: String,
    pub username: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The code from the bound phone reveals the accounts found for that phone, in full.
pub async fn verify_account_lookup(
    services: &Services,
    lookup_id: &str,
    phone: &Phone,
    code: &Code,
) -> Result<Vec<FoundAccount>> {
    let key = lookup_key(lookup_id);
    let flow =
        services.flows.flow(&key).await?.filter(|f| f.expires_at > services.clock.now()).ok_or(Error::CodeNotFound)?;
    let lookup: LookupFlow = serde_json::from_value(flow.body).map_err(|e| Error::internal("decode lookup", e))?;
    let hash = codes::phone_target(services, phone);
    let Some((challenge, ids)) = lookup.phones.get(&hash) else {
        let attempts = services.flows.count_flow_failure(&key, code_rules::MAX_ATTEMPTS).await?;
        return Err(match attempts {
            Some(a) if a < code_rules::MAX_ATTEMPTS => {
                Error::CodeMismatch { attempts_left: code_rules::MAX_ATTEMPTS - a }
            }
            _ => Error::CodeAttemptsExceeded,
        });
    };
    codes::consume(services, challenge, code, Purpose::AccountLookup, &hash).await?;
    let mut found = vec![];
    for id in ids {
        if let Some(a) = services.accounts.account(id).await? {
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
