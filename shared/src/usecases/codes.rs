//! One mechanism for every verification code, by SMS or email: a CSPRNG code stored only as a
//! keyed hash, bound to its request, purpose and target; single use; expiring; at most 5 wrong
//! tries; sends limited per target and per caller. The code is checked inside the write that uses
//! it.

use super::Caller;
use crate::domain::code::{self, Code, CodeRefusal, Purpose};
use crate::domain::ids::{AccountId, ChallengeId};
use crate::domain::phone::Phone;
use crate::error::{Error, Result};
use crate::ports::{CodeProof, IssueOutcome, NewCode, SendCounter, SendLimits};
use crate::services::Services;
use chrono::{DateTime, Utc};

#[derive(Debug)]
pub struct SendSmsCode {
    pub phone: Phone,
    pub purpose: Purpose,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSent {
    pub challenge_id: ChallengeId,
    pub expires_at: DateTime<Utc>,
    pub resend_after_secs: u64,
}

/// Where a code goes, as the keyed hash it is bound to.
pub fn phone_target(services: &Services, phone: &Phone) -> String {
    services.keys.keyed_hash("phone", phone.as_e164())
}

pub fn email_target(services: &Services, email: &str) -> String {
    services.keys.keyed_hash("email", &email.trim().to_ascii_lowercase())
}

fn code_hash(services: &Services, challenge_id: &ChallengeId, code: &Code) -> String {
    services.keys.keyed_hash("sms-code", &format!("{challenge_id}:{}", code.expose()))
}

/// A fresh code for a target and what to store of it (only hashes).
pub fn prepare_code(services: &Services, target_hash: &str, purpose: Purpose, now: DateTime<Utc>) -> (NewCode, Code) {
    let code = Code::generate();
    let challenge_id = ChallengeId::generate();
    let new = NewCode {
        code_hash: code_hash(services, &challenge_id, &code),
        challenge_id,
        purpose,
        target_hash: target_hash.into(),
        created_at: now,
        expires_at: now + purpose.ttl(),
    };
    (new, code)
}

/// Stores a prepared code if the target's and the caller's send limits allow.
async fn issue(services: &Services, new: &NewCode, caller: &Caller, now: DateTime<Utc>) -> Result<CodeSent> {
    let limits = SendLimits {
        target: SendCounter::Target(new.target_hash.clone()),
        source: SendCounter::Source(services.keys.keyed_hash("source", &caller.source_ip)),
        day: code::day_bucket(now),
        spacing: code::PHONE_SEND_SPACING,
        target_daily_cap: code::PHONE_DAILY_CAP,
        source_daily_cap: code::SOURCE_DAILY_CAP,
    };
    match services.codes.issue(new, &limits, now).await? {
        IssueOutcome::Issued => {}
        IssueOutcome::TargetTooSoon { last_sent } => {
            let wait = crate::domain::whole_seconds(last_sent + code::PHONE_SEND_SPACING - now);
            return Err(Error::RateLimited { retry_after_secs: wait });
        }
        IssueOutcome::TargetDailyCapReached | IssueOutcome::SourceDailyCapReached => {
            return Err(Error::RateLimited { retry_after_secs: code::secs_until_next_day(now) });
        }
    }
    Ok(CodeSent {
        challenge_id: new.challenge_id.clone(),
        expires_at: new.expires_at,
        resend_after_secs: crate::domain::whole_seconds(code::PHONE_SEND_SPACING),
    })
}

/// Sends a code to a phone. The answer is the same whether or not accounts exist for it.
pub async fn send_sms_code(services: &Services, request: SendSmsCode, caller: &Caller) -> Result<CodeSent> {
    let now = services.clock.now();
    let (new, code) = prepare_code(services, &phone_target(services, &request.phone), request.purpose, now);
    let sent = issue(services, &new, caller, now).await?;
    let text = format!(
        "[Cloud] Your verification code is {}. It expires in {} minutes. Never share it.",
        code.expose(),
        request.purpose.ttl().num_minutes()
    );
    services.sms.send(request.phone.as_e164(), &text).await?;
    Ok(sent)
}

/// Sends a code to an email address.
pub async fn send_email_code(services: &Services, email: &str, purpose: Purpose, caller: &Caller) -> Result<CodeSent> {
    let now = services.clock.now();
    let (new, code) = prepare_code(services, &email_target(services, email), purpose, now);
    let sent = issue(services, &new, caller, now).await?;
    let text = format!(
        "Your verification code is {}. It expires in {} minutes. If you did not ask for it, ignore this email.",
        code.expose(),
        purpose.ttl().num_minutes()
    );
    services.email.send(email.trim(), "Your verification code", &text).await?;
    Ok(sent)
}

/// The proof a write carries to consume a code atomically with its effect.
pub(crate) fn proof(
    services: &Services,
    challenge_id: &ChallengeId,
    code: &Code,
    purpose: Purpose,
    target_hash: &str,
    now: DateTime<Utc>,
) -> CodeProof {
    CodeProof {
        challenge_id: challenge_id.clone(),
        purpose,
        target_hash: target_hash.into(),
        code_hash: code_hash(services, challenge_id, code),
        now,
        max_attempts: code::MAX_ATTEMPTS,
    }
}

/// Uses a code up on its own (when its effect is not a write of ours); the refusal says why not.
pub(crate) async fn consume(
    services: &Services,
    challenge_id: &ChallengeId,
    code: &Code,
    purpose: Purpose,
    target_hash: &str,
) -> Result<()> {
    let now = services.clock.now();
    if services.codes.consume(&proof(services, challenge_id, code, purpose, target_hash, now)).await? {
        return Ok(());
    }
    Err(refusal_error(refusal(services, challenge_id, now).await?))
}

/// After a write refused the code: count the failed try and say why it failed.
pub(crate) async fn refusal(
    services: &Services,
    challenge_id: &ChallengeId,
    now: DateTime<Utc>,
) -> Result<CodeRefusal> {
    let state = services.codes.record_failure(challenge_id, code::MAX_ATTEMPTS).await?;
    Ok(match state {
        None => CodeRefusal::NotFound,
        Some(s) => code::classify_failure(true, s.consumed, s.attempts, s.expires_at, now),
    })
}

/// The API's answer to a refused code.
pub(crate) fn refusal_error(refusal: CodeRefusal) -> Error {
    match refusal {
        CodeRefusal::NotFound => Error::CodeNotFound,
        CodeRefusal::Expired => Error::CodeExpired,
        CodeRefusal::Used => Error::CodeUsed,
        CodeRefusal::AttemptsExceeded => Error::CodeAttemptsExceeded,
        CodeRefusal::Mismatch { attempts_left } => Error::CodeMismatch { attempts_left },
    }
}

/// The phone bound to an account (decrypted only to send to it).
pub(crate) async fn account_phone(services: &Services, account_id: &AccountId) -> Result<Phone> {
    let account = services.accounts.account(account_id).await?.ok_or(Error::NotFound)?;
    let e164 = services.keys.decrypt(&account.phone.encrypted)?;
    Phone::parse(&e164).map_err(|e| Error::internal("stored phone does not parse", e))
}

/// Sends a code to the account's bound phone (second factors), with the same limits.
pub async fn send_code_to_account_phone(
    services: &Services,
    account_id: &AccountId,
    purpose: Purpose,
    caller: &Caller,
) -> Result<CodeSent> {
    let phone = account_phone(services, account_id).await?;
    send_sms_code(services, SendSmsCode { phone, purpose }, caller).await
}
