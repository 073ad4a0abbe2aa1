//! Account and security information [ACC-1, ACC-2, ACC-3, ACC-5]: basic information, the bound
//! phone (a code to the old phone, then to the new), the bound email (a code to the new address)
//! and SMS notifications per product. Changing the phone or the email is operation-protected.

use super::codes::{self, CodeSent};
use super::factors::{record_of, require_step_up};
use super::Caller;
use crate::domain::account::MAX_CLOUD_ACCOUNTS_PER_PHONE;
use crate::domain::code::{Code, Purpose};
use crate::domain::email::Email;
use crate::domain::ids::new_opaque_id;
use crate::domain::phone::Phone;
use crate::domain::session::Principal;
use crate::error::{Error, Result};
use crate::ports::{AccountChange, PhoneChangeOutcome, Profile, SealedContact};
use crate::services::Services;
use chrono::Duration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The products that send SMS notifications (instance created, expiry reminders, alarms).
pub const PRODUCTS: [&str; 6] = ["compute", "storage", "database", "network", "billing", "monitoring"];
/// A phone change must finish within this.
pub const PHONE_CHANGE_TTL: Duration = Duration::minutes(15);

fn field(name: &str, value: Option<String>, max: usize) -> Result<Option<String>> {
    let Some(v) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else { return Ok(None) };
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(Error::invalid(name, format!("must be at most {max} characters of text")));
    }
    Ok(Some(v))
}

/// Edits basic information [ACC-1].
pub async fn update_profile(services: &Services, principal: &Principal, profile: Profile) -> Result<Profile> {
    let profile = Profile {
        display_name: field("display_name", profile.display_name, 50)?,
        company: field("company", profile.company, 100)?,
        contact_address: field("contact_address", profile.contact_address, 200)?,
    };
    services.accounts.change_account(&principal.account_id, AccountChange::Profile(profile.clone())).await?;
    Ok(profile)
}

/// Turns SMS notifications on or off per product [ACC-5]; answers the whole setting.
pub async fn set_sms_notifications(
    services: &Services,
    principal: &Principal,
    changes: BTreeMap<String, bool>,
) -> Result<BTreeMap<&'static str, bool>> {
    if let Some(unknown) = changes.keys().find(|p| !PRODUCTS.contains(&p.as_str())) {
        return Err(Error::invalid(
            format!("sms.{unknown}"),
            format!("unknown product; one of {}", PRODUCTS.join(", ")),
        ));
    }
    let mut off = services.accounts.account(&principal.account_id).await?.ok_or(Error::NotFound)?.sms_off;
    for (product, on) in changes {
        if on {
            off.remove(&product);
        } else {
            off.insert(product);
        }
    }
    services.accounts.change_account(&principal.account_id, AccountChange::SmsOff(off.clone())).await?;
    Ok(PRODUCTS.iter().map(|p| (*p, !off.contains(*p))).collect())
}

fn seal_phone(services: &Services, phone: &Phone) -> Result<SealedContact> {
    Ok(SealedContact {
        encrypted: services.keys.encrypt(phone.as_e164())?,
        masked: phone.masked(),
        hash: codes::phone_target(services, phone),
    })
}

#[derive(Debug, Serialize, Deserialize)]
struct PhoneChange {
    account_id: String,
    old_hash: String,
    old_challenge: String,
    new_phone: Option<SealedContact>,
    new_challenge: Option<String>,
}

fn change_key(id: &str) -> String {
    format!("phone-change:{id}")
}

#[derive(Debug, Clone)]
pub struct PhoneChangeStep {
    pub change_id: String,
    pub code: CodeSent,
    pub sent_to: String,
}

/// Starts changing the bound phone [ACC-2]: a code to the old phone first. Operation-protected.
pub async fn start_phone_change(
    services: &Services,
    principal: &Principal,
    caller: &Caller,
) -> Result<PhoneChangeStep> {
    let record = record_of(services, principal).await?;
    require_step_up(services, principal, &record)?;
    let old = codes::account_phone(services, &principal.account_id).await?;
    let sent = codes::send_sms_code(
        services,
        codes::SendSmsCode { phone: old.clone(), purpose: Purpose::PhoneChangeOld },
        caller,
    )
    .await?;
    let change_id = new_opaque_id();
    let body = PhoneChange {
        account_id: principal.account_id.clone(),
        old_hash: codes::phone_target(services, &old),
        old_challenge: sent.challenge_id.clone(),
        new_phone: None,
        new_challenge: None,
    };
    services
        .flows
        .put_flow(
            &change_key(&change_id),
            serde_json::to_value(&body).map_err(|e| Error::internal("encode phone change", e))?,
            services.clock.now() + PHONE_CHANGE_TTL,
        )
        .await?;
    Ok(PhoneChangeStep { change_id, code: sent, sent_to: old.masked() })
}

async fn load_change(services: &Services, principal: &Principal, change_id: &str) -> Result<(PhoneChange, u32)> {
    let flow = services
        .flows
        .flow(&change_key(change_id))
        .await?
        .filter(|f| f.expires_at > services.clock.now())
        .ok_or(Error::NotFound)?;
    let change: PhoneChange =
        serde_json::from_value(flow.body).map_err(|e| Error::internal("decode phone change", e))?;
    if change.account_id != principal.account_id {
        return Err(Error::NotFound);
    }
    Ok((change, flow.version))
}

/// The old phone's code proves the owner; then a code goes to the new phone.
pub async fn verify_old_phone(
    services: &Services,
    principal: &Principal,
    change_id: &str,
    code: &Code,
    new_phone: &Phone,
    caller: &Caller,
) -> Result<PhoneChangeStep> {
    let (mut change, version) = load_change(services, principal, change_id).await?;
    if change.new_challenge.is_some() {
        return Err(Error::CodeUsed);
    }
    let new = seal_phone(services, new_phone)?;
    if new.hash == change.old_hash {
        return Err(Error::invalid("new_phone", "is the phone already bound"));
    }
    codes::consume(services, &change.old_challenge, code, Purpose::PhoneChangeOld, &change.old_hash).await?;
    let sent = codes::send_sms_code(
        services,
        codes::SendSmsCode { phone: new_phone.clone(), purpose: Purpose::PhoneChangeNew },
        caller,
    )
    .await?;
    change.new_phone = Some(new);
    change.new_challenge = Some(sent.challenge_id.clone());
    if !services
        .flows
        .update_flow(
            &change_key(change_id),
            serde_json::to_value(&change).map_err(|e| Error::internal("encode phone change", e))?,
            version,
        )
        .await?
    {
        return Err(Error::CodeUsed);
    }
    Ok(PhoneChangeStep { change_id: change_id.into(), code: sent, sent_to: new_phone.masked() })
}

/// The new phone's code completes the change: the account is rebound and counted against the
/// new phone's cap of 10 cloud accounts.
pub async fn verify_new_phone(
    services: &Services,
    principal: &Principal,
    change_id: &str,
    code: &Code,
) -> Result<String> {
    let (change, _) = load_change(services, principal, change_id).await?;
    let (Some(new), Some(challenge)) = (change.new_phone, change.new_challenge) else {
        return Err(Error::CodeNotFound);
    };
    codes::consume(services, &challenge, code, Purpose::PhoneChangeNew, &new.hash).await?;
    let passport = services.accounts.account(&principal.account_id).await?.is_some_and(|a| a.kind == "passport");
    let outcome = if passport {
        services.accounts.change_passport_phone(&principal.account_id, &change.old_hash, &new).await?
    } else {
        services
            .accounts
            .change_phone(&principal.account_id, &change.old_hash, &new, MAX_CLOUD_ACCOUNTS_PER_PHONE)
            .await?
    };
    match outcome {
        PhoneChangeOutcome::Changed => {}
        PhoneChangeOutcome::PhoneLimitReached if passport => return Err(Error::PhoneTaken),
        PhoneChangeOutcome::PhoneLimitReached => return Err(Error::PhoneAccountLimit),
        PhoneChangeOutcome::Stale => return Err(Error::NotFound),
    }
    services.flows.take_flow(&change_key(change_id), services.clock.now(), u32::MAX).await?;
    Ok(new.masked)
}

/// Mails a code to the email to bind [ACC-3]; changing a bound email is operation-protected.
pub async fn send_email_bind_code(
    services: &Services,
    principal: &Principal,
    email: &Email,
    caller: &Caller,
) -> Result<CodeSent> {
    require_step_up_if_bound(services, principal).await?;
    codes::send_email_code(services, email.as_str(), Purpose::EmailBind, caller).await
}

async fn require_step_up_if_bound(services: &Services, principal: &Principal) -> Result<()> {
    let account = services.accounts.account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    if account.email.is_some() {
        let record = record_of(services, principal).await?;
        require_step_up(services, principal, &record)?;
    }
    Ok(())
}

/// Binds (or changes to) the email whose code the owner received [ACC-3].
pub async fn bind_email(
    services: &Services,
    principal: &Principal,
    email: &Email,
    challenge_id: &str,
    code: &Code,
) -> Result<String> {
    require_step_up_if_bound(services, principal).await?;
    let hash = codes::email_target(services, email.as_str());
    codes::consume(services, challenge_id, code, Purpose::EmailBind, &hash).await?;
    let sealed = SealedContact { encrypted: services.keys.encrypt(email.as_str())?, masked: email.masked(), hash };
    let masked = sealed.masked.clone();
    let account = services.accounts.account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    if account.kind == "passport" {
        // A passport account signs in with its email too: the alias moves with it.
        if !services.accounts.change_passport_email(&principal.account_id, account.email.as_ref(), &sealed).await? {
            return Err(Error::EmailTaken);
        }
    } else {
        services.accounts.change_account(&principal.account_id, AccountChange::Email(sealed)).await?;
    }
    Ok(masked)
}
