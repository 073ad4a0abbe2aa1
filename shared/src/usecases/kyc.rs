//! Personal real-name verification by face or bank card [KYC-P1..KYC-P5], and student status
//! [STU-1]. Personal data is encrypted at field level, looked up by keyed hash and masked.

use super::codes;
use super::deps::{
    HasAccounts, HasBankCard, HasClock, HasCodes, HasFace, HasFlows, HasKeys, HasKyc, HasOutbox, HasSteps,
};
use super::factors::MAX_RACES;
use super::Caller;
use crate::domain::agreements::{Acceptance, AgreementRef};
use crate::domain::bank_card::BankCard;
use crate::domain::code::{Code, Purpose};
use crate::domain::flow::{Flow, Versioned};
use crate::domain::identity::{mask_middle, IdDocument, PersonName, MINIMUM_AGE};
use crate::domain::ids::new_opaque_id;
use crate::domain::ids::{ChallengeId, FlowId};
use crate::domain::kyc::{self, face_state_shown, FaceEvent, FaceFor, FaceState, FaceVerification};
use crate::domain::phone::Phone;
use crate::domain::session::Principal;
use crate::domain::totp::qr_svg_data_uri;
use crate::error::{Error, Result};
use crate::ports::{
    BankCardResult, CheckRecord, FourElements, PersonalIdentity, StudentRecord, VerifyOutcome, Wanted, Write,
};
use chrono::{DateTime, Utc};

/// The person to verify, as submitted.
#[derive(Debug)]
pub struct Person {
    pub name: PersonName,
    pub document: IdDocument,
    pub agreement: AgreementRef,
}

fn accept_agreement(given: &AgreementRef) -> Result<()> {
    let (id, version) = kyc::PERSONAL_AGREEMENT;
    if given.id != id || given.version != version {
        return Err(Error::AgreementsRequired { missing: vec![id] });
    }
    Ok(())
}

pub(crate) fn document_hash(deps: &impl HasKeys, document: &IdDocument) -> String {
    deps.keys().keyed_hash("id-document", &format!("{}:{}", document.kind().as_str(), document.number()))
}

/// Checks what can be checked before any provider is asked, and seals the person's data.
pub(crate) async fn prepare_identity(
    deps: &(impl HasClock + HasKeys + HasAccounts + HasKyc),
    principal: &Principal,
    person: &Person,
    method: &str,
) -> Result<PersonalIdentity> {
    accept_agreement(&person.agreement)?;
    let now = deps.clock().now();
    let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    if account.personal.is_some() || account.enterprise.is_some() {
        return Err(Error::AlreadyVerified);
    }
    refuse_under_age(person, now)?;
    let hash = document_hash(deps, &person.document);
    if deps.kyc().document_accounts(&hash).await? >= kyc::MAX_ACCOUNTS_PER_DOCUMENT {
        return Err(Error::DocumentAccountLimit);
    }
    seal_identity(deps, person, method, hash, now)
}

fn refuse_under_age(person: &Person, now: DateTime<Utc>) -> Result<()> {
    if person.document.age_on(now.date_naive()).is_some_and(|age| age < MINIMUM_AGE) {
        return Err(Error::UnderAge);
    }
    Ok(())
}

fn outcome(result: VerifyOutcome) -> Result<()> {
    match result {
        VerifyOutcome::Verified => Ok(()),
        VerifyOutcome::DocumentLimitReached => Err(Error::DocumentAccountLimit),
        VerifyOutcome::AlreadyVerified => Err(Error::AlreadyVerified),
        VerifyOutcome::SessionEnded => Err(Error::FaceSessionEnded),
    }
}

// ---- face -------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct FaceStarted {
    pub verification_id: FlowId,
    pub qr_payload: String,
    pub qr_code: String,
    pub expires_at: DateTime<Utc>,
}

/// Opens a face session with the provider: its QR code is scanned by the mobile app [KYC-P2].
pub async fn start_face(
    deps: &(impl HasClock + HasKeys + HasAccounts + HasKyc + HasFace + HasFlows),
    principal: &Principal,
    person: Person,
) -> Result<FaceStarted> {
    let identity = prepare_identity(deps, principal, &person, "face").await?;
    let checked = (person.name.expose(), person.document.number());
    open_face_session(deps, &principal.account_id, &FlowId::generate(), checked, Some(identity), None).await
}

/// Opens a face session `id` with the provider for the person `(name, ID number)` and stores it:
/// for a personal verification (`identity`, the person it verifies) or for another flow
/// (`for_flow`: an enterprise application, a subject change). Its QR code is scanned by the app.
pub(crate) async fn open_face_session(
    deps: &(impl HasClock + HasFace + HasFlows),
    account: &crate::domain::ids::AccountId,
    id: &FlowId,
    (name, number): (&str, &str),
    identity: Option<PersonalIdentity>,
    for_flow: Option<FaceFor>,
) -> Result<FaceStarted> {
    let session = deps.face().start(id.as_str(), name, number).await?;
    let expires_at = deps.clock().now() + kyc::FACE_SESSION_TTL;
    let flow = FaceVerification {
        account_id: account.clone(),
        state: FaceState::Pending,
        expires_at,
        provider_session_id: session.provider_session_id,
        identity,
        for_flow,
    };
    deps.flows::<FaceVerification>().create(id, &flow).await?;
    Ok(FaceStarted {
        verification_id: id.clone(),
        qr_code: qr_svg_data_uri(&session.qr_payload),
        qr_payload: session.qr_payload,
        expires_at,
    })
}

/// Seals a person as a personal verification stores them (encrypted, masked, the document's
/// keyed hash).
pub(crate) fn seal_identity(
    deps: &impl HasKeys,
    person: &Person,
    method: &str,
    document_hash: String,
    now: DateTime<Utc>,
) -> Result<PersonalIdentity> {
    Ok(PersonalIdentity {
        method: method.into(),
        name_encrypted: deps.keys().encrypt(person.name.expose())?,
        name_masked: person.name.masked(),
        document_type: person.document.kind().as_str().into(),
        id_number_encrypted: deps.keys().encrypt(person.document.number())?,
        id_number_masked: person.document.masked(),
        document_hash,
        verified_at: now,
    })
}

/// A personal verification's face result (the session's own, not another flow's): a pass
/// verifies the account at once (within the document cap); a fail ends the session, whose QR code
/// is then dead [KYC-P2]. Idempotent for a repeated pass.
pub(crate) async fn personal_face_result(
    deps: &(impl HasClock + HasKyc + HasFlows),
    current: &Versioned<FaceVerification>,
    next: FaceVerification,
) -> Result<()> {
    let store = deps.flows::<FaceVerification>();
    let identity = current.flow.identity.clone().ok_or_else(|| Error::internal("face result", "no person"))?;
    if next.state != FaceState::Passed {
        store.save(current, &next).await?;
        return Ok(());
    }
    let result = deps
        .kyc()
        .verify_personal(&current.flow.account_id, &identity, kyc::MAX_ACCOUNTS_PER_DOCUMENT, Some((current, &next)))
        .await?;
    if matches!(result, VerifyOutcome::DocumentLimitReached | VerifyOutcome::AlreadyVerified) {
        // The session cannot pass any more: it fails (unless another result came first).
        if let Ok(failed) = current.flow.clone().apply(FaceEvent::Failed, deps.clock().now()) {
            store.save(current, &failed).await?;
        }
    }
    outcome(result)
}

/// A face session's state for its owner: pending, passed, failed or expired.
pub async fn face_status(
    deps: &(impl HasClock + HasFlows),
    principal: &Principal,
    verification_id: &FlowId,
) -> Result<kyc::FaceShown> {
    let session = deps
        .flows::<FaceVerification>()
        .load(verification_id)
        .await?
        .map(|v| v.flow)
        .filter(|s| s.account_id == principal.account_id)
        .ok_or(Error::NotFound)?;
    Ok(face_state_shown(session.state, session.expires_at, deps.clock().now()))
}

// ---- bank card --------------------------------------------------------------------------------

#[derive(Debug)]
pub struct BankCardVerification {
    pub person: Person,
    pub card: BankCard,
    pub phone: Phone,
    pub challenge_id: ChallengeId,
    pub code: Code,
}

/// UnionPay four-element check [KYC-P3]: the reserved phone's SMS code first, then the bank.
/// At most 10 attempts per account, counted in the database before the bank is asked. Each check
/// carries an idempotency key: after a time-out the provider is asked by that key, and an attempt
/// it confirms it never checked is given back (issue 9, following the seed); checked or unknown,
/// it stays spent.
pub async fn verify_by_bank_card(
    deps: &(impl HasClock + HasKeys + HasSteps + HasKyc + HasBankCard),
    principal: &Principal,
    request: BankCardVerification,
) -> Result<()> {
    let person = &request.person;
    accept_agreement(&person.agreement)?;
    refuse_under_age(person, deps.clock().now())?;
    let document = document_hash(deps, &person.document);
    let (account, target) = (&principal.account_id, codes::phone_target(deps, &request.phone));
    let remaining_methods = vec!["face"];
    // One read (the account, the document's count, the attempts, the code) and one write before
    // the bank is asked (issue 15): the attempt counted under its cap and the code used up.
    let wanted = Wanted {
        account: Some(account),
        document: Some(&document),
        bank_card_attempts: Some(account),
        code: Some(&request.challenge_id),
        ..Wanted::default()
    };
    let mut attempts = None;
    for _ in 0..MAX_RACES {
        let read = deps.steps().read(&wanted).await?;
        let verified = read.account.as_ref().ok_or(Error::NotFound)?;
        if verified.personal.is_some() || verified.enterprise.is_some() {
            return Err(Error::AlreadyVerified);
        }
        if read.document_accounts >= kyc::MAX_ACCOUNTS_PER_DOCUMENT {
            return Err(Error::DocumentAccountLimit);
        }
        // With no attempt left the SMS code is not spent (the user keeps it for nothing else, but
        // learns first that this method is closed) [KYC-P3, following the seed].
        if read.bank_card_attempts >= kyc::MAX_BANK_CARD_ATTEMPTS {
            return Err(Error::BankCardAttemptsExhausted { remaining_methods });
        }
        let now = deps.clock().now();
        let judged = codes::judge(
            deps,
            read.code.as_ref(),
            &request.challenge_id,
            &request.code,
            Purpose::BankCard,
            &target,
            now,
        );
        let mut writes: Vec<Write<'_>> = judged.write(&request.challenge_id).into_iter().collect();
        if let codes::Judged::Right(_) = judged {
            writes.push(Write::CountBankCardAttempt { account_id: account, seen: read.bank_card_attempts });
        }
        if !writes.is_empty() && deps.steps().write(&writes).await?.is_err() {
            continue;
        }
        match judged {
            codes::Judged::Right(_) => {
                attempts = Some(read.bank_card_attempts + 1);
                break;
            }
            codes::Judged::Refused { refusal, .. } => return Err(codes::refusal_error(refusal)),
        }
    }
    let attempts = attempts.ok_or_else(|| Error::busy("bank-card attempt", "too many concurrent writes"))?;
    let identity = seal_identity(deps, person, "bank_card", document, deps.clock().now())?;
    let idempotency_key = new_opaque_id();
    let elements = FourElements {
        name: request.person.name.expose(),
        id_number: request.person.document.number(),
        card_number: request.card.expose(),
        phone: request.phone.as_e164(),
    };
    let answer = match deps.bank_card().check(&idempotency_key, elements).await {
        Ok(answer) => answer,
        Err(Error::ProviderUnavailable(cause)) => {
            give_back_if_unchecked(deps, principal, &idempotency_key).await?;
            return Err(Error::ProviderUnavailable(cause));
        }
        Err(other) => return Err(other),
    };
    if answer == BankCardResult::Mismatch {
        let attempts_left = kyc::MAX_BANK_CARD_ATTEMPTS.saturating_sub(attempts);
        return Err(if attempts_left == 0 {
            Error::BankCardAttemptsExhausted { remaining_methods }
        } else {
            Error::BankCardMismatch { attempts_left, remaining_methods }
        });
    }
    outcome(deps.kyc().verify_personal(account, &identity, kyc::MAX_ACCOUNTS_PER_DOCUMENT, None).await?)
}

/// After a time-out: the attempt comes back only if the provider confirms, by the check's
/// idempotency key, that nothing was checked (a question that fails too leaves it spent).
async fn give_back_if_unchecked(
    deps: &(impl HasKyc + HasBankCard),
    principal: &Principal,
    idempotency_key: &str,
) -> Result<()> {
    if let Ok(CheckRecord::NotChecked) = deps.bank_card().checked(idempotency_key).await {
        deps.kyc().refund_bank_card_attempt(&principal.account_id, idempotency_key).await?;
    }
    Ok(())
}

// ---- student ----------------------------------------------------------------------------------

fn require_edu(email: &str) -> Result<()> {
    if !kyc::is_edu_email(email) {
        return Err(Error::invalid("email", "must be a school (edu) address"));
    }
    Ok(())
}

async fn require_personal(deps: &impl HasAccounts, principal: &Principal) -> Result<()> {
    let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    if account.personal.is_none() {
        return Err(Error::PersonalVerificationRequired);
    }
    Ok(())
}

/// Mails a 6-digit code, valid 30 minutes, to the school address [STU-1].
pub async fn send_student_code(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasOutbox),
    principal: &Principal,
    email: &str,
    caller: &Caller,
) -> Result<codes::CodeSent> {
    require_personal(deps, principal).await?;
    require_edu(email)?;
    codes::send_email_code(deps, email, Purpose::StudentEmail, caller).await
}

#[derive(Debug)]
pub struct StudentVerification {
    pub school: String,
    pub major: String,
    pub level: String,
    pub expected_graduation: String,
    pub email: String,
    pub challenge_id: ChallengeId,
    pub code: Code,
    pub agreements: Vec<AgreementRef>,
}

/// Grants student status to a personally verified account with a proven school address [STU-1].
pub async fn verify_student(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasKyc),
    principal: &Principal,
    request: StudentVerification,
) -> Result<StudentRecord> {
    require_personal(deps, principal).await?;
    require_edu(&request.email)?;
    let now = deps.clock().now();
    let missing: Vec<&'static str> = kyc::STUDENT_AGREEMENTS
        .iter()
        .filter(|(id, v)| !request.agreements.iter().any(|a| a.id == *id && a.version == *v))
        .map(|(id, _)| *id)
        .collect();
    if !missing.is_empty() {
        return Err(Error::AgreementsRequired { missing });
    }
    codes::consume(
        deps,
        &request.challenge_id,
        &request.code,
        Purpose::StudentEmail,
        &codes::email_target(deps, &request.email),
    )
    .await?;
    let (local, domain) = request.email.trim().rsplit_once('@').unwrap_or(("", ""));
    let record = StudentRecord {
        school: request.school,
        major: request.major,
        level: request.level,
        expected_graduation: request.expected_graduation,
        email_masked: format!("{}@{domain}", mask_middle(local, 1, 1)),
        email_encrypted: deps.keys().encrypt(request.email.trim())?,
        agreements: kyc::STUDENT_AGREEMENTS
            .iter()
            .map(|(id, v)| Acceptance { id: (*id).into(), version: (*v).into(), accepted_at: now })
            .collect(),
        verified_at: now,
    };
    if !deps.kyc().set_student(&principal.account_id, &record).await? {
        return Err(Error::PersonalVerificationRequired);
    }
    Ok(record)
}
