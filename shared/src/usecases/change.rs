//! Changes of the verified subject [CHG-1..CHG-5]. An enterprise never becomes a person [CHG-1].
//! An organisation's name changes (same code) at once when the registry confirms it, else through a
//! reviewer [CHG-2]. A person hands the account to another person [CHG-5]: the current person
//! proves themselves (face, or bank card with 5 tries), then within the day the new person verifies
//! (face or bank card); the account names the new person, the documents' counters move and the 30
//! days start, in one transaction. Until then the real name stays the original.

use super::cases::{dispatch, take_material, MaterialRefs};
use super::codes;
use super::deps::{
    HasAccounts, HasBankCard, HasCases, HasChanges, HasClock, HasCodes, HasFace, HasFlows, HasKeys, HasKyc,
    HasRegistry, HasResources, HasReviewQueue, HasUploads,
};
use super::flows::advance;
use super::kyc::{FaceStarted, Person};
use crate::domain::agreements::{require_one, AgreementRef};
use crate::domain::bank_card::BankCard;
use crate::domain::case::{Case, CaseRequest, CaseState, Subject};
use crate::domain::change::{
    application_form, next_change_from, ChangeEvent, ChangeKind, ChangeRefusal, ChangeState, NewSubject, SubjectChange,
    ACCEPTANCE_AGREEMENT, APPLICATION_AGREEMENT, MAX_CARD_TRIES,
};
use crate::domain::code::{Code, Purpose};
use crate::domain::flow::{Flow, Versioned};
use crate::domain::identity::{DocumentType, IdDocument, PersonName, MINIMUM_AGE};
use crate::domain::ids::{new_opaque_id, ChallengeId, FlowId};
use crate::domain::kyc::{FaceFor, FaceState, FaceVerification, PersonalIdentity};
use crate::domain::phone::Phone;
use crate::domain::session::Principal;
use crate::domain::upload::UploadPurpose;
use crate::error::{Error, Result};
use crate::ports::{AccountRecord, BankCardResult, ChangeOutcome, FourElements, NewPerson};
use chrono::{DateTime, Utc};

/// How many of an account's changes the history lists.
const LISTED: i32 = 50;
/// How many lost races a step tolerates.
const MAX_RACES: usize = 8;

/// One agreement of a flow of its own (subject change, deletion) accepted at its current version,
/// else `AGREEMENTS_REQUIRED` naming it.
pub(crate) fn require(given: &[AgreementRef], agreement: (&'static str, &'static str)) -> Result<()> {
    require_one(given, agreement).map_err(|id| Error::AgreementsRequired { missing: vec![id] })
}

fn refusal(change: &SubjectChange, refusal: ChangeRefusal) -> Error {
    match refusal {
        ChangeRefusal::CardTriesExhausted => Error::BankCardAttemptsExhausted { remaining_methods: vec!["face"] },
        ChangeRefusal::MethodExhausted => {
            Error::MethodAttemptsExhausted { method: "", remaining_methods: change.open_methods() }
        }
        _ => Error::ChangeNotAtStep { state: change.state.name() },
    }
}

/// Refused while a change of any kind completed less than 30 days ago [CHG-2..CHG-5]; every
/// completing transaction holds the same condition, so two completions cannot both pass.
pub(crate) fn not_too_soon(account: &AccountRecord, now: DateTime<Utc>) -> Result<()> {
    match next_change_from(account.last_change_at) {
        Some(from) if now < from => Err(Error::ChangeTooSoon { retry_from: from.to_rfc3339() }),
        _ => Ok(()),
    }
}

/// Why a completion's condition on the account failed: a change completed meanwhile (within 30
/// days), or the account's subject is no longer the one the change started from.
async fn changed(deps: &impl HasAccounts, account: &crate::domain::ids::AccountId, now: DateTime<Utc>) -> Error {
    match deps.accounts().account(account).await {
        Ok(Some(record)) => not_too_soon(&record, now).err().unwrap_or(Error::ChangeNotApplicable),
        Ok(None) => Error::NotFound,
        Err(fault) => fault,
    }
}

/// Whether a change still holds the account's one open slot.
async fn still_open(deps: &(impl HasClock + HasFlows), change: &SubjectChange) -> Result<bool> {
    let now = deps.clock().now();
    Ok(match &change.state {
        ChangeState::InReview { case_id } => {
            deps.flows::<Case>().load(case_id).await?.is_some_and(|c| c.flow.state.is_open())
        }
        _ => change.open_at(now),
    })
}

/// The guard to replace, or a refusal while another change is open.
async fn stale_guard(deps: &(impl HasClock + HasFlows + HasChanges), principal: &Principal) -> Result<Option<FlowId>> {
    let Some(guarded) = deps.changes().change_guard(&principal.account_id).await? else { return Ok(None) };
    match deps.flows::<SubjectChange>().load(&guarded).await? {
        Some(change) if still_open(deps, &change.flow).await? => Err(Error::ChangeAlreadyOpen),
        _ => Ok(Some(guarded)),
    }
}

/// A change to start, one variant per kind, each with what that kind needs [CHG-1..CHG-5].
#[derive(Debug)]
pub enum StartChange {
    /// CHG-2: the organisation's new name, and the new licence (`org-certificate`) with, if the
    /// registry may not confirm it yet, a `registration-change-certificate` or a `change-form`.
    EnterpriseName { agreements: Vec<AgreementRef>, new_name: String, material: MaterialRefs },
    /// CHG-3: the new organisation, the reason, and the original subject's contact (who passes
    /// the face check).
    EnterpriseSubject {
        agreements: Vec<AgreementRef>,
        new_subject: NewSubject,
        reason: String,
        contact: (PersonName, IdDocument),
    },
    /// CHG-4.
    PersonToEnterprise { agreements: Vec<AgreementRef> },
    /// CHG-5.
    PersonToPerson { agreements: Vec<AgreementRef> },
    /// CHG-1: never supported.
    EnterpriseToPerson,
}

impl StartChange {
    pub fn kind(&self) -> ChangeKind {
        match self {
            StartChange::EnterpriseName { .. } => ChangeKind::EnterpriseName,
            StartChange::EnterpriseSubject { .. } => ChangeKind::EnterpriseSubject,
            StartChange::PersonToEnterprise { .. } => ChangeKind::PersonToEnterprise,
            StartChange::PersonToPerson { .. } => ChangeKind::PersonToPerson,
            StartChange::EnterpriseToPerson => ChangeKind::EnterpriseToPerson,
        }
    }

    fn agreements(&self) -> &[AgreementRef] {
        match self {
            StartChange::EnterpriseName { agreements, .. }
            | StartChange::EnterpriseSubject { agreements, .. }
            | StartChange::PersonToEnterprise { agreements }
            | StartChange::PersonToPerson { agreements } => agreements,
            StartChange::EnterpriseToPerson => &[],
        }
    }
}

/// Starts a change [CHG-1, CHG-2, CHG-5]; an organisation's name change may complete at once.
pub async fn start_change(
    deps: &(impl HasClock
          + HasKeys
          + HasFlows
          + HasAccounts
          + HasChanges
          + HasRegistry
          + HasResources
          + HasUploads
          + HasReviewQueue),
    principal: &Principal,
    request: StartChange,
) -> Result<Versioned<SubjectChange>> {
    let kind = request.kind();
    if let StartChange::EnterpriseToPerson = request {
        return Err(Error::ChangeNotSupported { reason: "an enterprise verification never becomes a personal one" });
    }
    require(request.agreements(), APPLICATION_AGREEMENT)?;
    let now = deps.clock().now();
    let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    // One change completes per 30 days, whatever its kind [CHG-2..CHG-5]: refused at the start
    // already (the completing transaction holds the same condition).
    not_too_soon(&account, now)?;
    let id = FlowId::generate();
    match (request, &account.enterprise, &account.personal) {
        (StartChange::PersonToPerson { .. } | StartChange::PersonToEnterprise { .. }, None, Some(person)) => {
            let stale = stale_guard(deps, principal).await?;
            let state = ChangeState::ProvingOwner { face_session: None };
            let change = SubjectChange::new(account.account_id.clone(), kind, state, person.name_masked.clone(), now);
            match deps.changes().open_change(&id, &change, stale.as_ref(), None).await? {
                ChangeOutcome::Applied => Ok(Versioned { id, version: 0, flow: change }),
                _ => Err(Error::ChangeAlreadyOpen),
            }
        }
        (StartChange::EnterpriseName { agreements, new_name, material }, Some(organisation), _) => {
            require(&agreements, ACCEPTANCE_AGREEMENT)?;
            let new_name = new_name.trim().to_owned();
            if !(2..=100).contains(&new_name.chars().count()) || new_name == organisation.name {
                return Err(Error::invalid("new_name", "the organisation's new registered name, 2-100 characters"));
            }
            let stale = stale_guard(deps, principal).await?;
            let supporting = [UploadPurpose::RegistrationChangeCertificate, UploadPurpose::ChangeForm]
                .into_iter()
                .filter(|p| material.contains_key(p));
            let needed: Vec<UploadPurpose> = std::iter::once(UploadPurpose::OrgCertificate).chain(supporting).collect();
            let mut change = SubjectChange::new(
                account.account_id.clone(),
                kind,
                ChangeState::AwaitingMaterial,
                organisation.name.clone(),
                now,
            );
            change.to = Some(new_name.clone());
            change.material = take_material(deps, &principal.account_id, &id, &needed, &material).await?;
            // The registry confirms the code now carries the new name: done at once.
            if deps.registry().lookup(&organisation.uscc, &new_name).await?.is_some() {
                change.state = ChangeState::Completed { at: now };
                let outcome = deps
                    .changes()
                    .complete_name_change(&id, &change, stale.as_ref(), &organisation.uscc, &new_name, now)
                    .await?;
                return match outcome {
                    ChangeOutcome::Applied => Ok(Versioned { id, version: 0, flow: change }),
                    ChangeOutcome::AccountChanged => Err(changed(deps, &account.account_id, now).await),
                    _ => Err(Error::ChangeAlreadyOpen),
                };
            }
            if needed.len() == 1 {
                // Supporting material is added later (`submit_material`).
                return match deps.changes().open_change(&id, &change, stale.as_ref(), None).await? {
                    ChangeOutcome::Applied => Ok(Versioned { id, version: 0, flow: change }),
                    _ => Err(Error::ChangeAlreadyOpen),
                };
            }
            let case_id = FlowId::generate();
            let case = rename_case(&id, &change, &organisation.uscc, now)?;
            change.state = ChangeState::InReview { case_id: case_id.clone() };
            change.case = Some(case_id.clone());
            match deps.changes().open_change(&id, &change, stale.as_ref(), Some((&case_id, &case))).await? {
                ChangeOutcome::Applied => {
                    dispatch(deps, Versioned { id: case_id, version: 0, flow: case }).await?;
                    Ok(Versioned { id, version: 0, flow: change })
                }
                _ => Err(Error::ChangeAlreadyOpen),
            }
        }
        (
            StartChange::EnterpriseSubject { new_subject, reason, contact: (name, document), .. },
            Some(organisation),
            _,
        ) => {
            if !deps.resources().subject_change_eligible(&principal.account_id).await? {
                return Err(Error::ChangeNotEligible);
            }
            if new_subject.uscc == organisation.uscc {
                return Err(Error::invalid("new_subject.uscc", "is the same code: change the name instead"));
            }
            let name_len = new_subject.name.trim().chars().count();
            if !(2..=100).contains(&name_len) {
                return Err(Error::invalid("new_subject.name", "the registered name, 2-100 characters"));
            }
            let reason = reason.trim().to_owned();
            if !(1..=500).contains(&reason.chars().count()) {
                return Err(Error::invalid("reason", "1-500 characters"));
            }
            let stale = stale_guard(deps, principal).await?;
            let state = ChangeState::ProvingOwner { face_session: None };
            let mut change =
                SubjectChange::new(account.account_id.clone(), kind, state, organisation.name.clone(), now);
            change.to = Some(new_subject.name.trim().to_owned());
            change.new_subject = Some(NewSubject { name: new_subject.name.trim().to_owned(), ..new_subject });
            change.reason = Some(reason);
            change.contact = Some(crate::domain::enterprise::SealedPerson {
                name_encrypted: deps.keys().encrypt(name.expose())?,
                name_masked: name.masked(),
                id_number_encrypted: deps.keys().encrypt(document.number())?,
                id_number_masked: document.masked(),
                document_type: document.kind(),
            });
            match deps.changes().open_change(&id, &change, stale.as_ref(), None).await? {
                ChangeOutcome::Applied => Ok(Versioned { id, version: 0, flow: change }),
                _ => Err(Error::ChangeAlreadyOpen),
            }
        }
        _ => Err(Error::ChangeNotApplicable),
    }
}

/// The review case of a change of organisation, with its stamped form [CHG-3].
fn subject_case(
    id: &FlowId,
    change: &SubjectChange,
    from_uscc: &crate::domain::enterprise::Uscc,
    now: DateTime<Utc>,
) -> Result<Case> {
    let missing = || Error::internal("a change of organisation", "no new subject or contact");
    let request = CaseRequest::EnterpriseSubject {
        change: id.clone(),
        from: change.from.clone(),
        from_uscc: from_uscc.clone(),
        to: Box::new(change.new_subject.clone().ok_or_else(missing)?),
        reason: change.reason.clone().unwrap_or_default(),
        contact: Box::new(change.contact.clone().ok_or_else(missing)?),
    };
    Ok(Case::new(change.account_id.clone(), Subject::Enterprise, request, change.material.clone(), now))
}

fn rename_case(
    id: &FlowId,
    change: &SubjectChange,
    uscc: &crate::domain::enterprise::Uscc,
    now: DateTime<Utc>,
) -> Result<Case> {
    let request = CaseRequest::EnterpriseRename {
        change: id.clone(),
        uscc: uscc.clone(),
        old_name: change.from.clone(),
        new_name: change.to.clone().ok_or_else(|| Error::internal("a rename case", "no new name"))?,
    };
    Ok(Case::new(change.account_id.clone(), Subject::Enterprise, request, change.material.clone(), now))
}

async fn own_change(deps: &impl HasFlows, principal: &Principal, id: &FlowId) -> Result<Versioned<SubjectChange>> {
    deps.flows::<SubjectChange>()
        .load(id)
        .await?
        .filter(|c| c.flow.account_id == principal.account_id)
        .ok_or(Error::NotFound)
}

/// CHG-2: the supporting material (a registration change certificate or the change application
/// form) for a name the registry did not confirm; the change goes to a reviewer.
pub async fn submit_material(
    deps: &(impl HasClock + HasFlows + HasAccounts + HasChanges + HasUploads + HasReviewQueue),
    principal: &Principal,
    id: &FlowId,
    material: &MaterialRefs,
) -> Result<Versioned<SubjectChange>> {
    let current = own_change(deps, principal, id).await?;
    let now = deps.clock().now();
    let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    let organisation = account.enterprise.ok_or(Error::ChangeNotApplicable)?;
    let supporting: Vec<UploadPurpose> = match current.flow.kind {
        // The stamped change application form [CHG-3].
        ChangeKind::EnterpriseSubject => vec![UploadPurpose::ChangeForm],
        // Either one [CHG-2].
        _ => [UploadPurpose::RegistrationChangeCertificate, UploadPurpose::ChangeForm]
            .into_iter()
            .filter(|p| material.contains_key(p))
            .collect(),
    };
    if supporting.is_empty() {
        return Err(Error::MaterialMissing { material: UploadPurpose::RegistrationChangeCertificate.as_str() });
    }
    let case_id = FlowId::generate();
    let mut next = current
        .flow
        .clone()
        .apply(ChangeEvent::Review { case_id: case_id.clone() }, now)
        .map_err(|r| refusal(&current.flow, r))?;
    let mut kept = take_material(deps, &principal.account_id, id, &supporting, material).await?;
    next.material.append(&mut kept);
    let case = match next.kind {
        ChangeKind::EnterpriseSubject => subject_case(id, &next, &organisation.uscc, now)?,
        _ => rename_case(id, &next, &organisation.uscc, now)?,
    };
    if !deps.changes().change_to_review(&current, &next, (&case_id, &case)).await? {
        return Err(Error::ChangeNotAtStep { state: current.flow.state.name() });
    }
    dispatch(deps, Versioned { id: case_id, version: 0, flow: case }).await?;
    Ok(Versioned { id: current.id, version: current.version + 1, flow: next })
}

/// How a person proves themselves in a change: a face check, or the bank-card four elements (the
/// card's reserved phone proven by its code).
#[derive(Debug)]
pub enum Proof {
    Face,
    BankCard { card: BankCard, phone: Phone, challenge_id: ChallengeId, code: Code },
}

pub enum ProofOutcome {
    /// The face session to scan; its result arrives by the provider's callback.
    FaceStarted(FaceStarted),
    Passed,
}

/// A face check in a change: the change must take a session now; the provider opens one for the
/// person `checked`, and the change waits for its result.
async fn face_step(
    deps: &(impl HasClock + HasFace + HasFlows),
    current: Versioned<SubjectChange>,
    for_flow: FaceFor,
    identity: Option<PersonalIdentity>,
    checked: (&str, &str),
) -> Result<ProofOutcome> {
    let now = deps.clock().now();
    let face_id = FlowId::generate();
    let flow = current.flow.clone();
    flow.clone().apply(ChangeEvent::FaceStarted { session: &face_id }, now).map_err(|r| refusal(&flow, r))?;
    let started =
        super::kyc::open_face_session(deps, &flow.account_id, &face_id, checked, identity, Some(for_flow)).await?;
    advance(deps.flows::<SubjectChange>(), current, || ChangeEvent::FaceStarted { session: &face_id }, now)
        .await?
        .map_err(|r| refusal(&flow, r))?;
    Ok(ProofOutcome::FaceStarted(started))
}

/// The bank's four-element check of a person within a change: one of the change's 5 tries,
/// reserved (a conditional write) before the code is spent and the bank asked.
async fn card_check(
    deps: &(impl HasClock + HasKeys + HasCodes + HasFlows + HasBankCard),
    current: Versioned<SubjectChange>,
    owner: bool,
    (name, number): (&str, &str),
    proof: &Proof,
) -> Result<Versioned<SubjectChange>> {
    let Proof::BankCard { card, phone, challenge_id, code } = proof else {
        return Err(Error::internal("a card check", "not a bank card"));
    };
    let now = deps.clock().now();
    let flow = current.flow.clone();
    let reserved = advance(deps.flows::<SubjectChange>(), current, || ChangeEvent::CardTry { owner }, now)
        .await?
        .map_err(|r| refusal(&flow, r))?;
    codes::consume(deps, challenge_id, code, Purpose::BankCard, &codes::phone_target(deps, phone)).await?;
    let elements = FourElements { name, id_number: number, card_number: card.expose(), phone: phone.as_e164() };
    let answer = deps.bank_card().check(&new_opaque_id(), elements).await?;
    if answer == BankCardResult::Mismatch {
        let tries = if owner { reserved.flow.owner_card_tries } else { reserved.flow.new_card_tries };
        let attempts_left = tries.left(MAX_CARD_TRIES);
        return Err(if attempts_left == 0 {
            Error::BankCardAttemptsExhausted { remaining_methods: vec!["face"] }
        } else {
            Error::BankCardMismatch { attempts_left, remaining_methods: vec!["face"] }
        });
    }
    Ok(reserved)
}

/// CHG-5: the current person proves themselves, by face or bank card (5 tries).
pub async fn prove_owner(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasFlows + HasFace + HasBankCard),
    principal: &Principal,
    id: &FlowId,
    proof: Proof,
) -> Result<ProofOutcome> {
    let current = own_change(deps, principal, id).await?;
    if !matches!(current.flow.state, ChangeState::ProvingOwner { .. }) {
        return Err(Error::ChangeNotAtStep { state: current.flow.state.name() });
    }
    // The current person, or for a change of organisation its contact (by face only) [CHG-3].
    let (name, number) = match (&current.flow.contact, &proof) {
        (Some(contact), Proof::Face) => {
            (deps.keys().decrypt(&contact.name_encrypted)?, deps.keys().decrypt(&contact.id_number_encrypted)?)
        }
        (Some(_), Proof::BankCard { .. }) => {
            return Err(Error::invalid("method", "the original subject's contact proves themselves by face"))
        }
        (None, _) => {
            let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
            let person = account.personal.ok_or(Error::ChangeNotApplicable)?;
            (deps.keys().decrypt(&person.name_encrypted)?, deps.keys().decrypt(&person.id_number_encrypted)?)
        }
    };
    let now = deps.clock().now();
    match proof {
        Proof::Face => face_step(deps, current, FaceFor::ChangeOwner(id.clone()), None, (&name, &number)).await,
        Proof::BankCard { .. } => {
            let reserved = card_check(deps, current, true, (&name, &number), &proof).await?;
            let flow = reserved.flow.clone();
            advance(deps.flows::<SubjectChange>(), reserved, || ChangeEvent::OwnerProven { session: None }, now)
                .await?
                .map_err(|r| refusal(&flow, r))?;
            Ok(ProofOutcome::Passed)
        }
    }
}

/// The face provider's result for a change's current person.
pub(crate) async fn owner_face_result(
    deps: &(impl HasClock + HasFlows),
    face: &Versioned<FaceVerification>,
    face_next: FaceVerification,
    change: &FlowId,
) -> Result<()> {
    if !deps.flows::<FaceVerification>().save(face, &face_next).await? {
        return Err(Error::FaceSessionEnded);
    }
    let current = deps.flows::<SubjectChange>().load(change).await?.ok_or(Error::NotFound)?;
    let now = deps.clock().now();
    let passed = face_next.state == FaceState::Passed;
    let event = || {
        if passed {
            ChangeEvent::OwnerProven { session: Some(&face.id) }
        } else {
            ChangeEvent::FaceFailed { session: &face.id }
        }
    };
    // A result for a session the change no longer waits for changes nothing more.
    let _ = advance(deps.flows::<SubjectChange>(), current, event, now).await?;
    Ok(())
}

#[derive(Debug)]
pub struct NewPersonSubmission {
    /// The new person, and the acceptance agreement (《接受账号主体变更协议》) as `person.agreement`.
    pub person: Person,
    pub proof: Proof,
}

/// CHG-5: the new person verifies, by face or bank card (5 tries). The document must be another
/// one, of someone at least 14, with a slot left among its 5 accounts.
pub async fn submit_new_person(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasKyc + HasFlows + HasFace + HasBankCard + HasChanges),
    principal: &Principal,
    id: &FlowId,
    submission: NewPersonSubmission,
) -> Result<ProofOutcome> {
    let current = own_change(deps, principal, id).await?;
    if !matches!(current.flow.state, ChangeState::AwaitingNewPerson { .. }) {
        return Err(Error::ChangeNotAtStep { state: current.flow.state.name() });
    }
    let person = &submission.person;
    require(std::slice::from_ref(&person.agreement), ACCEPTANCE_AGREEMENT)?;
    let now = deps.clock().now();
    let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    let old = account.personal.ok_or(Error::ChangeNotApplicable)?;
    if person.document.age_on(now.date_naive()).is_some_and(|age| age < MINIMUM_AGE) {
        return Err(Error::UnderAge);
    }
    let hash = super::kyc::document_hash(deps, &person.document);
    if hash == old.document_hash {
        return Err(Error::invalid("id_number", "is the current person's: a change names another person"));
    }
    if deps.kyc().document_accounts(&hash).await? >= crate::domain::kyc::MAX_ACCOUNTS_PER_DOCUMENT {
        return Err(Error::DocumentAccountLimit);
    }
    let method = match submission.proof {
        Proof::Face => "face",
        Proof::BankCard { .. } => "bank_card",
    };
    let identity = super::kyc::seal_identity(deps, person, method, hash, now)?;
    match submission.proof {
        Proof::Face => {
            let checked = (person.name.expose(), person.document.number());
            face_step(deps, current, FaceFor::ChangeNewPerson(id.clone()), Some(identity), checked).await
        }
        Proof::BankCard { .. } => {
            let names = (person.name.expose(), person.document.number());
            let reserved = card_check(deps, current, false, names, &submission.proof).await?;
            complete(deps, reserved, &old.document_hash, &identity, None).await?;
            Ok(ProofOutcome::Passed)
        }
    }
}

/// The face provider's result for a change's new person: a pass completes the change.
pub(crate) async fn new_person_face_result(
    deps: &(impl HasClock + HasFlows + HasAccounts + HasChanges),
    face: &Versioned<FaceVerification>,
    face_next: FaceVerification,
    change: &FlowId,
) -> Result<()> {
    let current = deps.flows::<SubjectChange>().load(change).await?.ok_or(Error::NotFound)?;
    let now = deps.clock().now();
    if face_next.state != FaceState::Passed {
        if !deps.flows::<FaceVerification>().save(face, &face_next).await? {
            return Err(Error::FaceSessionEnded);
        }
        let _ = advance(deps.flows::<SubjectChange>(), current, || ChangeEvent::FaceFailed { session: &face.id }, now)
            .await?;
        return Ok(());
    }
    let identity = face.flow.identity.clone().ok_or_else(|| Error::internal("a change's face result", "no person"))?;
    let account = deps.accounts().account(&current.flow.account_id).await?.ok_or(Error::NotFound)?;
    let old = account.personal.ok_or(Error::ChangeNotApplicable)?;
    complete(deps, current, &old.document_hash, &identity, Some((face, &face_next))).await
}

/// The new person passed: the account names them, in one transaction with the counters.
async fn complete(
    deps: &(impl HasClock + HasFlows + HasAccounts + HasChanges),
    mut current: Versioned<SubjectChange>,
    old_document_hash: &str,
    identity: &PersonalIdentity,
    face: Option<(&Versioned<FaceVerification>, &FaceVerification)>,
) -> Result<()> {
    let now = deps.clock().now();
    for _ in 0..MAX_RACES {
        let session = face.map(|(f, _)| &f.id);
        let event = ChangeEvent::Completed { session, to: identity.name_masked.clone() };
        let next = current.flow.clone().apply(event, now).map_err(|r| refusal(&current.flow, r))?;
        let new = NewPerson { identity, face };
        let cap = crate::domain::kyc::MAX_ACCOUNTS_PER_DOCUMENT;
        match deps.changes().complete_person_change(&current, &next, old_document_hash, new, cap, now).await? {
            ChangeOutcome::Applied => return Ok(()),
            ChangeOutcome::DocumentLimitReached => return Err(Error::DocumentAccountLimit),
            ChangeOutcome::AccountChanged | ChangeOutcome::TooSoon => {
                return Err(changed(deps, &current.flow.account_id, now).await);
            }
            ChangeOutcome::Stale | ChangeOutcome::AlreadyOpen => {
                if face.is_some() {
                    return Err(Error::FaceSessionEnded);
                }
                current = deps.flows::<SubjectChange>().load(&current.id).await?.ok_or(Error::NotFound)?;
            }
        }
    }
    Err(Error::busy("complete a change", "too many concurrent writes"))
}

/// Withdraws an open change (one in review: its case, while no reviewer has claimed it).
pub async fn withdraw_change(
    deps: &(impl HasClock + HasFlows + HasCases),
    principal: &Principal,
    id: &FlowId,
) -> Result<()> {
    let current = own_change(deps, principal, id).await?;
    if let ChangeState::InReview { case_id } = &current.flow.state {
        super::cases::withdraw_case(deps, principal, case_id).await?;
        return Ok(());
    }
    let now = deps.clock().now();
    let flow = current.flow.clone();
    advance(deps.flows::<SubjectChange>(), current, || ChangeEvent::Withdraw, now)
        .await?
        .map_err(|r| refusal(&flow, r))?;
    Ok(())
}

/// A change the sweeper found past its day: withdrawn by the system [CHG-5].
pub(crate) async fn expire(deps: &(impl HasClock + HasFlows), id: &FlowId) -> Result<()> {
    let Some(current) = deps.flows::<SubjectChange>().load(id).await? else { return Ok(()) };
    let now = deps.clock().now();
    let _ = advance(deps.flows::<SubjectChange>(), current, || ChangeEvent::Sweep, now).await?;
    Ok(())
}

/// A change as its owner sees it; one in review shows its case's state.
pub struct ChangeView {
    pub change: Versioned<SubjectChange>,
    pub state: crate::domain::change::ChangeProgress,
    pub submit_by: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
    /// CHG-3: the generated change application form, while it is awaited.
    pub form: Option<String>,
}

/// The account's changes, newest first, with when the next one may complete.
pub async fn changes(
    deps: &(impl HasClock + HasFlows + HasChanges + HasAccounts),
    principal: &Principal,
) -> Result<(Vec<ChangeView>, Option<DateTime<Utc>>)> {
    let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    let now = deps.clock().now();
    let mut views = vec![];
    for change in deps.changes().changes_of(&principal.account_id, LISTED).await? {
        views.push(change_view(deps, &account, change).await?);
    }
    let next = next_change_from(account.last_change_at).filter(|from| *from > now);
    Ok((views, next))
}

/// A change just started, as its owner sees it.
pub async fn started_view(
    deps: &(impl HasClock + HasFlows + HasAccounts),
    principal: &Principal,
    change: Versioned<SubjectChange>,
) -> Result<ChangeView> {
    let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    change_view(deps, &account, change).await
}

/// One change as its owner sees it (the account gives the organisation the form names).
pub async fn change_view(
    deps: &(impl HasClock + HasFlows),
    account: &AccountRecord,
    change: Versioned<SubjectChange>,
) -> Result<ChangeView> {
    let now = deps.clock().now();
    let mut state = change.flow.state.shown();
    let (mut due_at, mut rejection_reason) = (None, None);
    let case = match &change.flow.case {
        Some(case_id) => deps.flows::<Case>().load(case_id).await?,
        None => None,
    };
    match (&change.flow.state, case.map(|c| c.flow)) {
        (ChangeState::InReview { .. }, Some(case)) => due_at = Some(case.due_at),
        (ChangeState::Rejected { .. }, Some(Case { state: CaseState::Rejected { reason, .. }, .. })) => {
            rejection_reason = Some(reason)
        }
        _ => {}
    }
    let submit_by = change.flow.submit_by();
    if !change.flow.open_at(now) && !change.flow.state.is_over() {
        // Past its deadline: the sweeper withdraws it.
        state = crate::domain::change::ChangeProgress::Withdrawn;
    }
    let form = match (&change.flow.state, &account.enterprise, &change.flow.contact) {
        (ChangeState::AwaitingForm, Some(organisation), Some(contact)) => {
            Some(application_form(&change.id, &change.flow, organisation.uscc.as_str(), &contact.name_masked))
        }
        _ => None,
    };
    Ok(ChangeView { change, state, submit_by, due_at, rejection_reason, form })
}

/// The person named by a form (the new person of a change).
pub fn person(name: PersonName, document_type: DocumentType, number: &str, agreement: AgreementRef) -> Result<Person> {
    let document = IdDocument::parse(document_type, number).map_err(|reason| Error::invalid("id_number", reason))?;
    Ok(Person { name, document, agreement })
}
