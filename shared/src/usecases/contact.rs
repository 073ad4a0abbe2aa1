//! Account and security information [ACC-1, ACC-2, ACC-3, ACC-5]: basic information, the bound
//! phone (a code to the old phone, then to the new), the bound email (a code to the new address)
//! and SMS notifications per product. Changing the phone or the email is operation-protected.

use super::codes::{self, CodeSent};
use super::deps::{HasAccounts, HasClock, HasCodes, HasFlows, HasKeys, HasOutbox, HasSecurity};
use super::factors::{record_of, require_step_up};
use super::flows::advance;
use super::Caller;
use crate::domain::account::{AccountKind, MAX_CLOUD_ACCOUNTS_PER_PHONE};
use crate::domain::code::{Code, Purpose};
use crate::domain::email::Email;
use crate::domain::flow::Versioned;
use crate::domain::ids::{ChallengeId, FlowId};
use crate::domain::phone::Phone;
use crate::domain::phone_change::{PhoneChange, PhoneChangeEvent, PhoneChangeRefusal, PhoneChangeState};
use crate::domain::session::Principal;
use crate::error::{Error, Result};
use crate::ports::{AccountChange, PhoneChangeOutcome, Profile, SealedContact};
use std::collections::BTreeMap;

/// The products that send SMS notifications (instance created, expiry reminders, alarms).
pub const PRODUCTS: [&str; 6] = ["compute", "storage", "database", "network", "billing", "monitoring"];
pub use crate::domain::phone_change::PHONE_CHANGE_TTL;

fn field(name: &str, value: Option<String>, max: usize) -> Result<Option<String>> {
    let Some(v) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else { return Ok(None) };
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(Error::invalid(name, format!("must be at most {max} characters of text")));
    }
    Ok(Some(v))
}

/// Edits basic information [ACC-1].
pub async fn update_profile(deps: &impl HasAccounts, principal: &Principal, profile: Profile) -> Result<Profile> {
    let profile = Profile {
        display_name: field("display_name", profile.display_name, 50)?,
        company: field("company", profile.company, 100)?,
        contact_address: field("contact_address", profile.contact_address, 200)?,
    };
    deps.accounts().change_account(&principal.account_id, AccountChange::Profile(profile.clone())).await?;
    Ok(profile)
}

/// Turns SMS notifications on or off per product [ACC-5]; answers the whole setting.
pub async fn set_sms_notifications(
    deps: &impl HasAccounts,
    principal: &Principal,
    changes: BTreeMap<String, bool>,
) -> Result<BTreeMap<&'static str, bool>> {
    if let Some(unknown) = changes.keys().find(|p| !PRODUCTS.contains(&p.as_str())) {
        return Err(Error::invalid(
            format!("sms.{unknown}"),
            format!("unknown product; one of {}", PRODUCTS.join(", ")),
        ));
    }
    let mut off = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?.sms_off;
    for (product, on) in changes {
        if on {
            off.remove(&product);
        } else {
            off.insert(product);
        }
    }
    deps.accounts().change_account(&principal.account_id, AccountChange::SmsOff(off.clone())).await?;
    Ok(PRODUCTS.iter().map(|p| (*p, !off.contains(*p))).collect())
}

#[derive(Debug, Clone)]
pub struct PhoneChangeStep {
    pub change_id: FlowId,
    pub code: CodeSent,
    pub sent_to: String,
}

/// Starts changing the bound phone [ACC-2]: a code to the old phone first. Operation-protected.
pub async fn start_phone_change(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasSecurity + HasOutbox + HasFlows),
    principal: &Principal,
    caller: &Caller,
) -> Result<PhoneChangeStep> {
    let record = record_of(deps, principal).await?;
    require_step_up(deps, principal, &record)?;
    let old = codes::account_phone(deps, &principal.account_id).await?;
    let sent =
        codes::send_sms_code(deps, codes::SendSmsCode { phone: old.clone(), purpose: Purpose::PhoneChangeOld }, caller)
            .await?;
    let change_id = FlowId::generate();
    let change = PhoneChange {
        account_id: principal.account_id.clone(),
        old_hash: codes::phone_target(deps, &old),
        old_challenge: sent.challenge_id.clone(),
        expires_at: deps.clock().now() + PHONE_CHANGE_TTL,
        state: PhoneChangeState::AwaitingOldCode,
    };
    deps.flows::<PhoneChange>().create(&change_id, &change).await?;
    Ok(PhoneChangeStep { change_id, code: sent, sent_to: old.masked() })
}

/// The caller's own phone change, if it has not expired.
async fn load_change(
    deps: &(impl HasClock + HasFlows),
    principal: &Principal,
    change_id: &FlowId,
) -> Result<Versioned<PhoneChange>> {
    let current = deps.flows::<PhoneChange>().load(change_id).await?.ok_or(Error::NotFound)?;
    if current.flow.expires_at <= deps.clock().now() || current.flow.account_id != principal.account_id {
        return Err(Error::NotFound);
    }
    Ok(current)
}

/// The old phone's code proves the owner; then a code goes to the new phone.
pub async fn verify_old_phone(
    deps: &(impl HasClock + HasKeys + HasCodes + HasOutbox + HasFlows),
    principal: &Principal,
    change_id: &FlowId,
    code: &Code,
    new_phone: &Phone,
    caller: &Caller,
) -> Result<PhoneChangeStep> {
    let current = load_change(deps, principal, change_id).await?;
    if !matches!(current.flow.state, PhoneChangeState::AwaitingOldCode) {
        return Err(Error::CodeUsed);
    }
    let new = codes::seal_phone(deps, new_phone)?;
    if new.hash == current.flow.old_hash {
        return Err(Error::invalid("new_phone", "is the phone already bound"));
    }
    codes::consume(deps, &current.flow.old_challenge, code, Purpose::PhoneChangeOld, &current.flow.old_hash).await?;
    let sent = codes::send_sms_code(
        deps,
        codes::SendSmsCode { phone: new_phone.clone(), purpose: Purpose::PhoneChangeNew },
        caller,
    )
    .await?;
    let event = || PhoneChangeEvent::OldCodeProven { new_phone: new.clone(), new_challenge: sent.challenge_id.clone() };
    match advance(deps.flows::<PhoneChange>(), current, event, deps.clock().now()).await? {
        Ok(_) => Ok(PhoneChangeStep { change_id: change_id.clone(), code: sent, sent_to: new_phone.masked() }),
        Err(PhoneChangeRefusal::Expired) => Err(Error::NotFound),
        Err(PhoneChangeRefusal::OutOfOrder) => Err(Error::CodeUsed),
    }
}

/// The new phone's code completes the change: the account is rebound and counted against the
/// new phone's cap (10 cloud accounts [REG-2], or 5 bound passport accounts [REG-3]).
pub async fn verify_new_phone(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasFlows),
    principal: &Principal,
    change_id: &FlowId,
    code: &Code,
) -> Result<String> {
    let current = load_change(deps, principal, change_id).await?;
    let PhoneChangeState::AwaitingNewCode { new_phone: new, new_challenge } = current.flow.state.clone() else {
        return Err(Error::CodeNotFound);
    };
    codes::consume(deps, &new_challenge, code, Purpose::PhoneChangeNew, &new.hash).await?;
    let kind = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?.kind;
    let old_hash = &current.flow.old_hash;
    let outcome = match kind {
        AccountKind::Passport => super::passport::bind_phone(deps, &principal.account_id, old_hash, &new).await?,
        AccountKind::Cloud => {
            deps.accounts().change_phone(&principal.account_id, old_hash, &new, MAX_CLOUD_ACCOUNTS_PER_PHONE).await?
        }
    };
    match outcome {
        PhoneChangeOutcome::Changed => {}
        PhoneChangeOutcome::PhoneLimitReached if kind == AccountKind::Passport => {
            return Err(Error::PhonePassportLimit)
        }
        PhoneChangeOutcome::PhoneLimitReached => return Err(Error::PhoneAccountLimit),
        PhoneChangeOutcome::Stale => return Err(Error::NotFound),
        PhoneChangeOutcome::Raced => return Err(Error::internal("change phone", "a cloud account's change raced")),
    }
    // The new code was single use, so no other step can complete this change: a refusal here
    // only means the flow expired meanwhile, and the change is done all the same.
    let _ =
        advance(deps.flows::<PhoneChange>(), current, || PhoneChangeEvent::NewCodeProven, deps.clock().now()).await?;
    Ok(new.masked)
}

/// Mails a code to the email to bind [ACC-3]; changing a bound email is operation-protected.
pub async fn send_email_bind_code(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasSecurity + HasOutbox),
    principal: &Principal,
    email: &Email,
    caller: &Caller,
) -> Result<CodeSent> {
    require_step_up_if_bound(deps, principal).await?;
    codes::send_email_code(deps, email.as_str(), Purpose::EmailBind, caller).await
}

async fn require_step_up_if_bound(
    deps: &(impl HasClock + HasAccounts + HasSecurity),
    principal: &Principal,
) -> Result<()> {
    let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    if account.email.is_some() {
        let record = record_of(deps, principal).await?;
        require_step_up(deps, principal, &record)?;
    }
    Ok(())
}

/// Binds (or changes to) the email whose code the owner received [ACC-3].
pub async fn bind_email(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasSecurity),
    principal: &Principal,
    email: &Email,
    challenge_id: &ChallengeId,
    code: &Code,
) -> Result<String> {
    require_step_up_if_bound(deps, principal).await?;
    let hash = codes::email_target(deps, email.as_str());
    codes::consume(deps, challenge_id, code, Purpose::EmailBind, &hash).await?;
    let sealed = SealedContact { encrypted: deps.keys().encrypt(email.as_str())?, masked: email.masked(), hash };
    let masked = sealed.masked.clone();
    let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    if account.kind == AccountKind::Passport {
        // A passport account signs in with its email too: the alias moves with it.
        if !deps.accounts().change_passport_email(&principal.account_id, account.email.as_ref(), &sealed).await? {
            return Err(Error::EmailTaken);
        }
    } else {
        deps.accounts().change_account(&principal.account_id, AccountChange::Email(sealed)).await?;
    }
    Ok(masked)
}
