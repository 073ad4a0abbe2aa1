//! One mechanism for every verification code, by SMS or email: a CSPRNG code stored only as a
//! keyed hash, bound to its request, purpose and target; single use; expiring; at most 5 wrong
//! tries; sends limited per target and per caller. The code is checked inside the write that uses
//! it. Its text exists only in its message, sealed with the field key (on the outbox queue, and in
//! a recovery flow until the recovery worker queued it).

use super::deps::{HasAccounts, HasClock, HasCodes, HasKeys, HasOutbox};
use super::Caller;
use crate::domain::code::{self, Code, CodeRefusal, Purpose};
use crate::domain::ids::{AccountId, ChallengeId};
use crate::domain::phone::Phone;
use crate::domain::redacted::Redacted;
use crate::error::{Error, Result, SendLimit};
use crate::ports::{
    CodeProof, IssueOutcome, NewCode, OutboxMessage, PhoneCeiling, Reservation, SealedContact, SealedMessage,
    SendCounter, SendLimits, StoredCode, Write,
};
use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;

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

/// A phone as stored: encrypted, masked, and by keyed hash.
pub fn seal_phone(deps: &impl HasKeys, phone: &Phone) -> Result<SealedContact> {
    Ok(SealedContact {
        encrypted: deps.keys().encrypt(phone.as_e164())?,
        masked: phone.masked(),
        hash: phone_target(deps, phone),
    })
}

/// Where a code goes, as the keyed hash it is bound to.
pub fn phone_target(deps: &impl HasKeys, phone: &Phone) -> String {
    deps.keys().keyed_hash("phone", phone.as_e164())
}

pub fn email_target(deps: &impl HasKeys, email: &str) -> String {
    deps.keys().keyed_hash("email", &email.trim().to_ascii_lowercase())
}

fn code_hash(deps: &impl HasKeys, challenge_id: &ChallengeId, code: &Code) -> String {
    deps.keys().keyed_hash("sms-code", &format!("{challenge_id}:{}", code.expose()))
}

/// A fresh code for a target and what to store of it (only hashes).
pub fn prepare_code(deps: &impl HasKeys, target_hash: &str, purpose: Purpose, now: DateTime<Utc>) -> (NewCode, Code) {
    let code = Code::generate();
    let challenge_id = ChallengeId::generate();
    let new = NewCode {
        code_hash: code_hash(deps, &challenge_id, &code),
        challenge_id,
        purpose,
        target_hash: target_hash.into(),
        created_at: now,
        expires_at: now + purpose.ttl(),
    };
    (new, code)
}

/// Stores a prepared code if the target's and the caller's send limits allow.
async fn issue(
    deps: &(impl HasKeys + HasCodes),
    new: &NewCode,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<CodeSent> {
    let source = deps.keys().keyed_hash("source", &caller.source_ip);
    let limits = SendLimits {
        target: SendCounter::Target {
            purpose: new.purpose,
            hash: new.target_hash.clone(),
            asker: new.purpose.anonymous().then(|| source.clone()),
        },
        source: SendCounter::Source(source),
        day: code::day_bucket(now),
        spacing: code::PHONE_SEND_SPACING,
        target_daily_cap: new.purpose.daily_cap(),
        source_daily_cap: code::SOURCE_DAILY_CAP,
        phone: new.purpose.to_phone().then(|| PhoneCeiling {
            counter: SendCounter::Phone(new.target_hash.clone()),
            owner: new.purpose.owner_only(),
            ceiling: code::PHONE_DAY_CEILING,
            stranger_share: code::STRANGER_DAY_SHARE,
        }),
    };
    match deps.codes().issue(new, &limits, now).await? {
        IssueOutcome::Issued => {}
        IssueOutcome::TargetTooSoon { last_sent } => {
            let wait = crate::domain::whole_seconds(last_sent + code::PHONE_SEND_SPACING - now);
            return Err(Error::RateLimited { retry_after_secs: wait, limit: SendLimit::TargetInterval });
        }
        IssueOutcome::TargetDailyCapReached => {
            let retry_after_secs = code::secs_until_next_day(now);
            return Err(Error::RateLimited { retry_after_secs, limit: SendLimit::TargetDaily });
        }
        IssueOutcome::SourceDailyCapReached => {
            let retry_after_secs = code::secs_until_next_day(now);
            return Err(Error::RateLimited { retry_after_secs, limit: SendLimit::CallerDaily });
        }
    }
    Ok(CodeSent {
        challenge_id: new.challenge_id.clone(),
        expires_at: new.expires_at,
        resend_after_secs: crate::domain::whole_seconds(code::PHONE_SEND_SPACING),
    })
}

/// Sends a code to a phone. The answer is the same whether or not accounts exist for it.
pub async fn send_sms_code(
    deps: &(impl HasClock + HasKeys + HasCodes + HasOutbox),
    request: SendSmsCode,
    caller: &Caller,
) -> Result<CodeSent> {
    let now = deps.clock().now();
    let (new, code) = prepare_code(deps, &phone_target(deps, &request.phone), request.purpose, now);
    let sent = issue(deps, &new, caller, now).await?;
    enqueue_sms(deps, &request.phone, &code, request.purpose, &sent).await?;
    Ok(sent)
}

/// Puts the SMS of an issued code on the outbox.
async fn enqueue_sms(
    deps: &(impl HasKeys + HasOutbox),
    phone: &Phone,
    code: &Code,
    purpose: Purpose,
    sent: &CodeSent,
) -> Result<()> {
    super::delivery::enqueue(deps, &sms_message(phone, code, purpose, sent)).await
}

/// The SMS of an issued code.
fn sms_message(phone: &Phone, code: &Code, purpose: Purpose, sent: &CodeSent) -> OutboxMessage {
    let text = format!(
        "[Cloud] Your verification code is {}. It expires in {} minutes. Never share it.",
        code.expose(),
        purpose.ttl().num_minutes()
    );
    OutboxMessage::Sms {
        id: sent.challenge_id.to_string(),
        to: Redacted::new(phone.as_e164().to_owned()),
        text: Redacted::new(text),
    }
}

/// Issues a code for an anonymous request (recovery, in its worker) without ever refusing: a send
/// limit that is reached means no code, and nobody is told. The SMS comes back sealed, for the
/// caller to put on the outbox once it recorded the code's challenge.
pub(crate) async fn issue_quietly(
    deps: &(impl HasClock + HasKeys + HasCodes),
    phone: &Phone,
    purpose: Purpose,
    caller: &Caller,
) -> Result<Option<(CodeSent, SealedMessage)>> {
    let now = deps.clock().now();
    let (new, code) = prepare_code(deps, &phone_target(deps, phone), purpose, now);
    match issue(deps, &new, caller, now).await {
        Ok(sent) => {
            let sealed = super::delivery::seal(deps, &sms_message(phone, &code, purpose, &sent))?;
            Ok(Some((sent, sealed)))
        }
        Err(Error::RateLimited { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Where a look-up by phone matched nothing: a code issued to that phone's own target exactly as a
/// match's would be (the phone's spacing, its strangers' share and the caller's budget all move),
/// and never sent, so the phone's next send is answered the same whether or not an account has it
/// [REC-4]. Its challenge stands as the look-up's decoy; `None` where a limit refused it (as it
/// would have refused a match's code).
pub(crate) async fn issue_unsent(
    deps: &(impl HasClock + HasKeys + HasCodes),
    phone_target_hash: &str,
    purpose: Purpose,
    caller: &Caller,
) -> Result<Option<ChallengeId>> {
    let now = deps.clock().now();
    let (new, _) = prepare_code(deps, phone_target_hash, purpose, now);
    match issue(deps, &new, caller, now).await {
        Ok(sent) => Ok(Some(sent.challenge_id)),
        Err(Error::RateLimited { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// A code that is never sent and matches nothing, to be tried where nothing matched, so that a
/// try costs the same work either way [REC-4]. `counted_for`: the caller whose send budget it uses
/// as a sent code would (where it stands in for the one code a match would have sent), through
/// the same transaction, so the budget left shows nothing either; a budget spent means no decoy,
/// as it means no code. Its target is its own (a fresh counter), so only the caller's budget
/// applies, never a target's spacing.
pub(crate) async fn plant_decoy(
    deps: &(impl HasClock + HasKeys + HasCodes),
    purpose: Purpose,
    counted_for: Option<&Caller>,
) -> Result<Option<ChallengeId>> {
    let now = deps.clock().now();
    let target = format!("{DECOY_TARGET}-{}", ChallengeId::generate());
    let (new, _) = prepare_code(deps, &target, purpose, now);
    match counted_for {
        None => deps.codes().plant_decoy(&new).await?,
        Some(caller) => match issue(deps, &new, caller, now).await {
            Ok(_) => {}
            Err(Error::RateLimited { .. }) => return Ok(None),
            Err(other) => return Err(other),
        },
    }
    Ok(Some(new.challenge_id))
}

/// What decoy codes' targets begin with (no keyed hash does).
pub(crate) const DECOY_TARGET: &str = "decoy";

/// Sends a code to an email address.
pub async fn send_email_code(
    deps: &(impl HasClock + HasKeys + HasCodes + HasOutbox),
    email: &str,
    purpose: Purpose,
    caller: &Caller,
) -> Result<CodeSent> {
    let now = deps.clock().now();
    let (new, code) = prepare_code(deps, &email_target(deps, email), purpose, now);
    let sent = issue(deps, &new, caller, now).await?;
    let text = format!(
        "Your verification code is {}. It expires in {} minutes. If you did not ask for it, ignore this email.",
        code.expose(),
        purpose.ttl().num_minutes()
    );
    let message = OutboxMessage::Email {
        id: sent.challenge_id.to_string(),
        to: Redacted::new(email.trim().to_owned()),
        subject: "Your verification code".into(),
        text: Redacted::new(text),
    };
    super::delivery::enqueue(deps, &message).await?;
    Ok(sent)
}

/// The proof a write carries to consume a code atomically with its effect.
pub(crate) fn proof(
    deps: &impl HasKeys,
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
        code_hash: code_hash(deps, challenge_id, code),
        now,
        max_attempts: code::MAX_ATTEMPTS,
    }
}

/// Whether the claim is the stored code (constant time): same code, purpose and target.
fn same(claim: &CodeProof, stored: &StoredCode) -> bool {
    bool::from(claim.code_hash.as_bytes().ct_eq(stored.code_hash.as_bytes()))
        & (stored.purpose == claim.purpose.as_str())
        & (stored.target_hash == claim.target_hash)
}

/// Reserves a try of the code and then compares it: the proof that uses it up (in the write of
/// its effect, or alone with [`consume`]), or why it is refused. Every use spends a try, so one
/// code cannot be used to probe more than five times, in parallel or not.
pub(crate) async fn check(
    deps: &(impl HasClock + HasKeys + HasCodes),
    challenge_id: &ChallengeId,
    code: &Code,
    purpose: Purpose,
    target_hash: &str,
) -> Result<std::result::Result<CodeProof, CodeRefusal>> {
    let now = deps.clock().now();
    let stored = match deps.codes().reserve_try(challenge_id, code::MAX_ATTEMPTS).await? {
        Reservation::Refused(None) => return Ok(Err(CodeRefusal::NotFound)),
        Reservation::Refused(Some(s)) => {
            return Ok(Err(code::classify_failure(true, s.consumed, s.attempts, s.expires_at, now)))
        }
        Reservation::Reserved(stored) => stored,
    };
    let claim = proof(deps, challenge_id, code, purpose, target_hash, now);
    let s = stored.state;
    if !same(&claim, &stored) || s.consumed || now >= s.expires_at {
        return Ok(Err(code::classify_failure(true, s.consumed, s.attempts, s.expires_at, now)));
    }
    Ok(Ok(claim))
}

/// A code judged on what a step read, to take effect only through the step's one write.
#[derive(Debug)]
pub(crate) enum Judged {
    /// Right: the write uses it up ([`Write::UseCode`], its try counted under the cap).
    Right(CodeProof),
    /// Refused; `count_try` when the write must count the try ([`Write::CountCodeTry`]: a wrong
    /// code that still had tries).
    Refused { refusal: CodeRefusal, count_try: bool },
}

impl Judged {
    /// The write that makes the judgement count (none for a code that can take no try).
    pub(crate) fn write<'a>(&self, challenge_id: &'a ChallengeId) -> Option<Write<'a>> {
        match self {
            Judged::Right(proof) => Some(Write::UseCode(proof.clone())),
            Judged::Refused { count_try: true, .. } => {
                Some(Write::CountCodeTry { challenge_id, max: code::MAX_ATTEMPTS })
            }
            Judged::Refused { count_try: false, .. } => None,
        }
    }
}

/// Compares a code with the one a step read (`stored`): right, or why refused. A code with no
/// try left, used, or missing is refused as it is; any other try counts, right or wrong.
pub(crate) fn judge(
    deps: &impl HasKeys,
    stored: Option<&StoredCode>,
    challenge_id: &ChallengeId,
    code: &Code,
    purpose: Purpose,
    target_hash: &str,
    now: DateTime<Utc>,
) -> Judged {
    let Some(stored) = stored else { return Judged::Refused { refusal: CodeRefusal::NotFound, count_try: false } };
    let s = stored.state;
    if s.consumed || s.attempts >= code::MAX_ATTEMPTS {
        let refusal = code::classify_failure(true, s.consumed, s.attempts, s.expires_at, now);
        return Judged::Refused { refusal, count_try: false };
    }
    let claim = proof(deps, challenge_id, code, purpose, target_hash, now);
    if same(&claim, stored) && now < s.expires_at {
        return Judged::Right(claim);
    }
    let refusal = code::classify_failure(true, false, s.attempts + 1, s.expires_at, now);
    Judged::Refused { refusal, count_try: true }
}

/// Uses a code up on its own (when its effect is not a write of ours); the refusal says why not.
pub(crate) async fn consume(
    deps: &(impl HasClock + HasKeys + HasCodes),
    challenge_id: &ChallengeId,
    code: &Code,
    purpose: Purpose,
    target_hash: &str,
) -> Result<()> {
    let claim = check(deps, challenge_id, code, purpose, target_hash).await?.map_err(refusal_error)?;
    if deps.codes().consume(&claim).await? {
        return Ok(());
    }
    // A parallel use of the same right code came first.
    Err(Error::CodeUsed)
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
pub(crate) async fn account_phone(deps: &(impl HasKeys + HasAccounts), account_id: &AccountId) -> Result<Phone> {
    let account = deps.accounts().account(account_id).await?.ok_or(Error::NotFound)?;
    let e164 = deps.keys().decrypt(&account.phone.encrypted)?;
    Phone::parse(&e164).map_err(|e| Error::internal("stored phone does not parse", e))
}

/// Sends a code to the account's bound phone (second factors), with the same limits.
pub async fn send_code_to_account_phone(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasOutbox),
    account_id: &AccountId,
    purpose: Purpose,
    caller: &Caller,
) -> Result<CodeSent> {
    let phone = account_phone(deps, account_id).await?;
    send_sms_code(deps, SendSmsCode { phone, purpose }, caller).await
}
