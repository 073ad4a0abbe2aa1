//! Sending SMS verification codes, and checking them inside the write that uses them.

use super::Caller;
use crate::domain::code::{self, Code, CodeRefusal, Purpose};
use crate::domain::ids::new_opaque_id;
use crate::domain::phone::Phone;
use crate::error::{Error, Result};
use crate::ports::{CodeProof, IssueOutcome, NewCode, SendLimits};
use crate::services::Services;
use chrono::{DateTime, Utc};

#[derive(Debug)]
pub struct SendSmsCode {
    pub phone: Phone,
    pub purpose: Purpose,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSent {
    pub challenge_id: String,
    pub expires_at: DateTime<Utc>,
    pub resend_after_secs: u64,
}

pub(crate) fn phone_hash(services: &Services, phone: &Phone) -> String {
    services.keys.keyed_hash("phone", phone.as_e164())
}

pub(crate) fn code_hash(services: &Services, challenge_id: &str, code: &Code) -> String {
    services.keys.keyed_hash("sms-code", &format!("{challenge_id}:{}", code.expose()))
}

/// A fresh code for `phone` and what to store of it (only hashes).
pub fn prepare_code(services: &Services, phone: &Phone, purpose: Purpose, now: DateTime<Utc>) -> (NewCode, Code) {
    let code = Code::generate();
    let challenge_id = new_opaque_id();
    let new = NewCode {
        code_hash: code_hash(services, &challenge_id, &code),
        challenge_id,
        purpose,
        target_hash: phone_hash(services, phone),
        created_at: now,
        expires_at: now + code::SMS_CODE_TTL,
    };
    (new, code)
}

/// Sends a code to a phone. The answer is the same whether or not accounts exist for it.
pub async fn send_sms_code(services: &Services, request: SendSmsCode, caller: &Caller) -> Result<CodeSent> {
    let now = services.clock.now();
    let (new, code) = prepare_code(services, &request.phone, request.purpose, now);
    let target_hash = &new.target_hash;
    let limits = SendLimits {
        target_key: format!("sms:{target_hash}"),
        source_key: format!("sms-src:{}", services.keys.keyed_hash("source", &caller.source_ip)),
        day: code::day_bucket(now),
        spacing: code::PHONE_SEND_SPACING,
        target_daily_cap: code::PHONE_DAILY_CAP,
        source_daily_cap: code::SOURCE_DAILY_CAP,
    };
    match services.codes.issue(&new, &limits, now).await? {
        IssueOutcome::Issued => {}
        IssueOutcome::TargetTooSoon { last_sent } => {
            let wait = (last_sent + code::PHONE_SEND_SPACING - now).num_seconds().max(1) as u64;
            return Err(Error::RateLimited { retry_after_secs: wait });
        }
        IssueOutcome::TargetDailyCapReached | IssueOutcome::SourceDailyCapReached => {
            return Err(Error::RateLimited { retry_after_secs: code::secs_until_next_day(now) });
        }
    }
    let text =
        format!("[Cloud] Your verification code is {}. It expires in 10 minutes. Never share it.", code.expose());
    services.sms.send(request.phone.as_e164(), &text).await?;
    Ok(CodeSent {
        challenge_id: new.challenge_id.clone(),
        expires_at: new.expires_at,
        resend_after_secs: code::PHONE_SEND_SPACING.num_seconds() as u64,
    })
}

/// The proof a write carries to consume a code atomically with its effect.
pub(crate) fn proof(
    services: &Services,
    challenge_id: &str,
    code: &Code,
    purpose: Purpose,
    phone: &Phone,
    now: DateTime<Utc>,
) -> CodeProof {
    CodeProof {
        challenge_id: challenge_id.into(),
        purpose,
        target_hash: phone_hash(services, phone),
        code_hash: code_hash(services, challenge_id, code),
        now,
        max_attempts: code::MAX_ATTEMPTS,
    }
}

/// After a write refused the code: count the failed try and say why it failed.
pub(crate) async fn refusal(services: &Services, challenge_id: &str, now: DateTime<Utc>) -> Result<Error> {
    let state = services.codes.record_failure(challenge_id, code::MAX_ATTEMPTS).await?;
    let refusal = match state {
        None => CodeRefusal::NotFound,
        Some(s) => code::classify_failure(true, s.consumed, s.attempts, s.expires_at, now),
    };
    Ok(match refusal {
        CodeRefusal::NotFound => Error::CodeNotFound,
        CodeRefusal::Expired => Error::CodeExpired,
        CodeRefusal::Used => Error::CodeUsed,
        CodeRefusal::AttemptsExceeded => Error::CodeAttemptsExceeded,
        CodeRefusal::Mismatch { attempts_left } => Error::CodeMismatch { attempts_left },
    })
}

/// The phone bound to an account (decrypted only to send to it).
pub(crate) async fn account_phone(services: &Services, account_id: &str) -> Result<Phone> {
    let account = services.accounts.account(account_id).await?.ok_or(Error::NotFound)?;
    let e164 = services.keys.decrypt(&account.phone_encrypted)?;
    Phone::parse(&e164).map_err(|e| Error::internal("stored phone does not parse", e))
}

/// Sends a code to the account's bound phone (second factors), with the same limits.
pub async fn send_code_to_account_phone(
    services: &Services,
    account_id: &str,
    purpose: Purpose,
    caller: &Caller,
) -> Result<CodeSent> {
    let phone = account_phone(services, account_id).await?;
    send_sms_code(services, SendSmsCode { phone, purpose }, caller).await
}
