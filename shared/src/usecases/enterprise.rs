//! Enterprise real-name verification [KYC-E1..KYC-E7]: the legal representative's (or an
//! authorised person's) face check, the corporate transfer (micro-deposit) and the recharge
//! (inbound transfer). Every method starts with the organisation type and its certificate
//! [KYC-E3]; each counts its attempts in the database before any outside party is asked (10 per
//! method per account); a method used up closes and the others stay open. Success marks the
//! account enterprise-verified for good [KYC-E7].

use super::cases::{check_material, dispatch, keep_material, MaterialRefs};
use super::codes;
use super::deps::{
    HasAccounts, HasCases, HasClock, HasCodes, HasEnterprise, HasFace, HasFlows, HasInboundBank, HasKeys, HasPayouts,
    HasRegistry, HasReviewQueue, HasRisk, HasUploads,
};
use super::flows::advance;
use super::kyc::FaceStarted;
use crate::domain::agreements::AgreementRef;
use crate::domain::case::{Case, CaseState, EnterpriseFacts, EnterpriseReview, Subject};
use crate::domain::change::{
    ChangeEvent, ChangeKind, ChangeRefusal, ChangeState, SubjectChange, ACCEPTANCE_AGREEMENT, CHANGE_METHODS,
};
use crate::domain::code::{Code, Purpose};
use crate::domain::enterprise::application::{
    AfterFace, ApplicationEvent, ApplicationState, EnterpriseApplication, RechargeDetails, TransferDetails,
    DEPOSIT_WAIT,
};
use crate::domain::enterprise::banks::{self, BankRefusal};
use crate::domain::enterprise::money::{Fen, RECHARGE_RANGE, TRANSFER_RANGE};
use crate::domain::enterprise::{
    EnterpriseIdentity, Failure, Method, OrgType, Organisation, Role, SealedPerson, Uscc, ENTERPRISE_AGREEMENT,
    MAX_ATTEMPTS_PER_METHOD,
};
use crate::domain::flow::{Flow, Versioned};
use crate::domain::identity::{mask_middle, IdDocument, PersonName};
use crate::domain::ids::{AccountId, ChallengeId, FlowId};
use crate::domain::kyc::{FaceFor, FaceState, FaceVerification};
use crate::domain::session::Principal;
use crate::domain::upload::UploadPurpose;
use crate::error::{Error, Result};
use crate::ports::{
    EnterpriseEffect, InboundTransfer, Payout, PayoutCallback, ReceivingAccount, Replaced, SettleOutcome,
};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use std::collections::BTreeMap;

/// An organisation must have been registered this long [KYC-E5: "registered under 7 days: wait"].
pub const MIN_REGISTERED: Duration = Duration::days(7);
/// How many of an account's applications its overview lists.
const LISTED: i32 = 50;
/// How many lost races a step tolerates.
const MAX_RACES: usize = 8;

/// A person as a form names them (any of KYC-P2's documents).
#[derive(Debug, Clone)]
pub struct PersonForm {
    pub name: PersonName,
    pub document: IdDocument,
}

/// The legal representative as a form names them: the name, and the document where the method
/// asks for it (the face check; the corporate transfer and the recharge ask for the name alone)
/// [KYC-E4, KYC-E5].
#[derive(Debug, Clone)]
pub struct LegalRepresentativeForm {
    pub name: PersonName,
    pub document: Option<IdDocument>,
}

#[derive(Debug)]
pub struct ApplicationForm {
    pub method: Method,
    pub org_type: OrgType,
    pub name: String,
    pub uscc: Uscc,
    pub legal_representative: LegalRepresentativeForm,
    pub agreement: AgreementRef,
    /// Upload ids: the certificate, and the authorisation letter of an authorised person.
    pub material: MaterialRefs,
    /// Legal-representative face: who does the face check (default: the legal representative).
    pub role: Option<Role>,
    pub authorised_person: Option<PersonForm>,
    /// Corporate transfer: the bank (code or name), the account number, the handler.
    pub bank: Option<String>,
    pub account_number: Option<String>,
    pub handler: Option<PersonForm>,
    /// Recharge, the first time: the SMS code sent to the bound phone (purpose `receiving-account`).
    pub receiving_code: Option<(ChallengeId, Code)>,
    /// The person -> enterprise change this application completes, with its acceptance agreement
    /// (《接受账号主体变更协议》) [CHG-4].
    pub change: Option<(FlowId, AgreementRef)>,
}

pub struct Started {
    pub application: Versioned<EnterpriseApplication>,
    pub face: Option<FaceStarted>,
}

fn seal(deps: &impl HasKeys, person: &PersonForm) -> Result<SealedPerson> {
    Ok(SealedPerson {
        name_encrypted: deps.keys().encrypt(person.name.expose())?,
        name_masked: person.name.masked(),
        id_number_encrypted: deps.keys().encrypt(person.document.number())?,
        id_number_masked: person.document.masked(),
        document_type: person.document.kind(),
    })
}

/// The legal representative sealed; without a document (the name alone) its fields are empty.
fn seal_legal(deps: &impl HasKeys, legal: &LegalRepresentativeForm) -> Result<SealedPerson> {
    match &legal.document {
        Some(document) => seal(deps, &PersonForm { name: legal.name.clone(), document: document.clone() }),
        None => Ok(SealedPerson {
            name_encrypted: deps.keys().encrypt(legal.name.expose())?,
            name_masked: legal.name.masked(),
            id_number_encrypted: String::new(),
            id_number_masked: String::new(),
            document_type: Default::default(),
        }),
    }
}

/// The keyed hash an amount is compared by (bound to its application).
fn amount_hash(deps: &impl HasKeys, application: &FlowId, amount: Fen) -> String {
    deps.keys().keyed_hash("enterprise-amount", &format!("{application}:{}", amount.0))
}

fn receiving_hash(deps: &impl HasKeys, number: &str) -> String {
    deps.keys().keyed_hash("receiving-account", number)
}

/// The methods still open to the account, given the attempts made.
fn open_methods(attempts: &BTreeMap<Method, u32>, except: Method) -> Vec<&'static str> {
    Method::ALL
        .into_iter()
        .filter(|m| *m != except && attempts.get(m).copied().unwrap_or(0) < MAX_ATTEMPTS_PER_METHOD)
        .map(Method::as_str)
        .collect()
}

/// The transfer application the account's guard names once it ended (`None`: never one);
/// refused while it is open.
async fn open_transfer_named(deps: &(impl HasEnterprise + HasFlows), account: &AccountId) -> Result<Option<FlowId>> {
    let Some(named) = deps.enterprise().transfer_guard(account).await? else { return Ok(None) };
    match deps.flows::<EnterpriseApplication>().load(&named).await? {
        Some(open) if !open.flow.is_over() => Err(Error::TransferAlreadyOpen),
        _ => Ok(Some(named)),
    }
}

/// Counts one attempt of `method` before any outside party is asked; refused when used up.
async fn count_attempt(deps: &impl HasEnterprise, account: &AccountId, method: Method) -> Result<()> {
    let attempts = deps.enterprise().attempts(account).await?;
    let exhausted = || Error::MethodAttemptsExhausted {
        method: method.as_str(),
        remaining_methods: open_methods(&attempts, method),
    };
    if attempts.get(&method).copied().unwrap_or(0) >= MAX_ATTEMPTS_PER_METHOD {
        return Err(exhausted());
    }
    match deps.enterprise().count_attempt(account, method, MAX_ATTEMPTS_PER_METHOD).await? {
        Some(_) => Ok(()),
        None => Err(exhausted()),
    }
}

/// The person -> enterprise change an application completes: the caller's, waiting for its
/// organisation, with the acceptance agreement, by one of its two methods [CHG-4].
async fn change_in_progress(
    deps: &(impl HasClock + HasFlows),
    principal: &Principal,
    account: &crate::ports::AccountRecord,
    (id, acceptance): (&FlowId, &AgreementRef),
    method: Method,
    (uscc, name): (&Uscc, &str),
) -> Result<Versioned<SubjectChange>> {
    let (agreement, version) = ACCEPTANCE_AGREEMENT;
    if acceptance.id != agreement || acceptance.version != version {
        return Err(Error::AgreementsRequired { missing: vec![agreement] });
    }
    let change = deps
        .flows::<SubjectChange>()
        .load(id)
        .await?
        .filter(|c| c.flow.account_id == principal.account_id)
        .ok_or(Error::NotFound)?;
    match change.flow.kind {
        ChangeKind::PersonToEnterprise if account.personal.is_some() && account.enterprise.is_none() => {}
        ChangeKind::EnterpriseSubject if account.enterprise.is_some() => {}
        _ => return Err(Error::ChangeNotApplicable),
    }
    if change.flow.state != ChangeState::AwaitingNewEnterprise
        || change.flow.submit_by().is_some_and(|by| deps.clock().now() >= by)
    {
        return Err(Error::ChangeNotAtStep { state: change.flow.state.name() });
    }
    if change.flow.kind == ChangeKind::PersonToEnterprise && !CHANGE_METHODS.contains(&method) {
        return Err(Error::MethodNotOffered {
            method: method.as_str(),
            reason: "a change to an enterprise verifies by legal-representative face or corporate transfer",
        });
    }
    // A change of organisation names the one that must verify [CHG-3].
    if let Some(named) = &change.flow.new_subject {
        if named.uscc != *uscc || named.name != name.trim() {
            return Err(Error::invalid(
                "uscc",
                format!("the change hands the account to {} ({})", named.name, named.uscc),
            ));
        }
    }
    Ok(change)
}

/// Counts one attempt of `method` in the change (5 per method) before any outside party is asked.
async fn count_change_attempt(
    deps: &(impl HasClock + HasFlows),
    change: Versioned<SubjectChange>,
    method: Method,
) -> Result<()> {
    let now = deps.clock().now();
    let id = change.id.clone();
    match advance(deps.flows::<SubjectChange>(), change, || ChangeEvent::EnterpriseAttempt { method }, now).await? {
        Ok(_) => Ok(()),
        Err(ChangeRefusal::MethodExhausted) => {
            let current = deps.flows::<SubjectChange>().load(&id).await?.ok_or(Error::NotFound)?;
            let remaining_methods = current.flow.open_methods();
            Err(Error::MethodAttemptsExhausted { method: method.as_str(), remaining_methods })
        }
        Err(_) => Err(Error::ChangeNotAtStep { state: "awaiting_new_enterprise" }),
    }
}

/// What a passing application writes with its transition: the account verified, or, for an
/// application completing a change, the subject giving way to the organisation and the change
/// complete [CHG-3, CHG-4].
async fn verified_effects(
    deps: &(impl HasFlows + HasAccounts),
    id: &FlowId,
    application: &EnterpriseApplication,
    now: DateTime<Utc>,
) -> Result<EnterpriseEffect> {
    let identity = identity_of(id, application, now);
    let Some(change_id) = &application.change else { return Ok(EnterpriseEffect::Verify(identity)) };
    let change = deps.flows::<SubjectChange>().load(change_id).await?.ok_or(Error::NotFound)?;
    let event = ChangeEvent::EnterpriseVerified { to: identity.name.clone() };
    let next = change
        .flow
        .clone()
        .apply(event, now)
        .map_err(|_| Error::ChangeNotAtStep { state: change.flow.state.name() })?;
    let account = deps.accounts().account(&application.account_id).await?.ok_or(Error::NotFound)?;
    super::change::not_too_soon(&account, now)?;
    let replaced = replaced_subject(&account)?;
    Ok(EnterpriseEffect::Replace { identity, replaced, change: Box::new((change, next)) })
}

/// The subject an account names now, as a change replaces it.
pub(crate) fn replaced_subject(account: &crate::ports::AccountRecord) -> Result<Replaced> {
    match (&account.enterprise, &account.personal) {
        (Some(organisation), _) => Ok(Replaced::Enterprise { uscc: organisation.uscc.clone() }),
        (None, Some(person)) => Ok(Replaced::Person { document_hash: person.document_hash.clone() }),
        (None, None) => Err(Error::ChangeNotApplicable),
    }
}

/// The registry's answer checked against the form [KYC-E2, KYC-E5].
async fn check_registry(
    deps: &(impl HasClock + HasRegistry),
    form: &ApplicationForm,
    now: DateTime<Utc>,
) -> Result<()> {
    let record = deps.registry().lookup(&form.uscc, &form.name).await?.ok_or(Error::RegistryNotFound)?;
    if !record.types.is_empty() && !record.types.contains(&form.org_type) {
        return Err(Error::OrgTypeMismatch);
    }
    let registered = record.registered_on.and_hms_opt(0, 0, 0).map(|d| d.and_utc()).unwrap_or(now);
    if now < registered + MIN_REGISTERED {
        return Err(Error::RegisteredRecently { retry_from: (registered + MIN_REGISTERED).date_naive().to_string() });
    }
    if form.method == Method::CorporateTransfer && record.payment_licence {
        return Err(Error::MethodNotOffered {
            method: Method::CorporateTransfer.as_str(),
            reason: "organisations holding a third-party payment licence cannot use the corporate transfer",
        });
    }
    Ok(())
}

/// Who does the face check, and the material the method needs, from the form.
fn face_person(form: &ApplicationForm) -> Result<Option<(Role, PersonForm)>> {
    let legal = &form.legal_representative;
    match form.method {
        Method::LegalFace => match form.role.unwrap_or(Role::LegalRepresentative) {
            Role::LegalRepresentative => {
                let document = legal.document.clone().ok_or_else(|| {
                    Error::invalid(
                        "legal_representative.id_number",
                        "is required for the legal-representative face check",
                    )
                })?;
                Ok(Some((Role::LegalRepresentative, PersonForm { name: legal.name.clone(), document })))
            }
            Role::AuthorisedPerson if form.org_type.is_company() => Err(Error::invalid(
                "role",
                "an authorised person may do the face check only for an organisation that is not a company",
            )),
            Role::AuthorisedPerson => {
                let person = form
                    .authorised_person
                    .as_ref()
                    .ok_or_else(|| Error::invalid("authorised_person", "name and ID number are required"))?;
                if legal.document.is_none() {
                    return Err(Error::invalid("legal_representative.id_number", "is required for this method"));
                }
                Ok(Some((Role::AuthorisedPerson, person.clone())))
            }
            Role::Handler => Err(Error::invalid("role", "is legal_representative or authorised_person")),
        },
        Method::CorporateTransfer => {
            let handler =
                form.handler.as_ref().ok_or_else(|| Error::invalid("handler", "name and ID number are required"))?;
            Ok(Some((Role::Handler, handler.clone())))
        }
        Method::Recharge => Ok(None),
    }
}

fn needed_material(role: Option<Role>) -> Vec<UploadPurpose> {
    let mut needed = vec![UploadPurpose::OrgCertificate];
    if role == Some(Role::AuthorisedPerson) {
        needed.push(UploadPurpose::AuthorisationLetter);
    }
    needed
}

/// The corporate account of a transfer: the bank from the list, the number as digits.
fn transfer_account(form: &ApplicationForm) -> Result<(&'static banks::Bank, String)> {
    if form.org_type == OrgType::PublicInstitution {
        return Err(Error::MethodNotOffered {
            method: Method::CorporateTransfer.as_str(),
            reason: "public institutions cannot use the corporate transfer",
        });
    }
    let bank = form.bank.as_deref().ok_or_else(|| Error::invalid("bank", "is required"))?;
    let bank = banks::find(bank).map_err(|refusal| match refusal {
        BankRefusal::FiledUnder(union) => Error::BankNotSupported { suggestion: Some(union.name.clone()) },
        BankRefusal::NotSupported => Error::BankNotSupported { suggestion: None },
    })?;
    let number: String = form.account_number.as_deref().unwrap_or_default().chars().filter(|c| *c != ' ').collect();
    if !(6..=32).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid("account_number", "6-32 digits"));
    }
    Ok((bank, number))
}

/// The account's receiving account; the first time it is created after the SMS code sent to the
/// bound phone (purpose `receiving-account`) [KYC-E6].
async fn receiving_account(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasEnterprise),
    account: &crate::ports::AccountRecord,
    code: Option<&(ChallengeId, Code)>,
) -> Result<(ReceivingAccount, String)> {
    if let Some(existing) = deps.enterprise().receiving_account(&account.account_id).await? {
        let number = deps.keys().decrypt(&existing.number_encrypted)?;
        return Ok((existing, number));
    }
    let (challenge, code) = code.ok_or(Error::ReceivingAccountCodeRequired)?;
    codes::consume(deps, challenge, code, Purpose::ReceivingAccount, &account.phone.hash).await?;
    for _ in 0..MAX_RACES {
        let digits: String = (0..14).map(|_| char::from(b'0' + rand::rngs::OsRng.gen_range(0..10u8))).collect();
        let number = format!("95{digits}");
        let receiving = ReceivingAccount {
            number_encrypted: deps.keys().encrypt(&number)?,
            number_masked: mask_middle(&number, 4, 4),
            number_hash: receiving_hash(deps, &number),
            open_application: None,
            open_until: None,
        };
        if deps.enterprise().create_receiving_account(&account.account_id, &receiving).await? {
            return Ok((receiving, number));
        }
        // Created meanwhile by a parallel request, or (rarely) the number is taken: read again.
        if let Some(existing) = deps.enterprise().receiving_account(&account.account_id).await? {
            let number = deps.keys().decrypt(&existing.number_encrypted)?;
            return Ok((existing, number));
        }
    }
    Err(Error::internal("create a receiving account", "no free number"))
}

/// Starts an application of any method [KYC-E3..KYC-E6].
pub async fn start_application(
    deps: &(impl HasClock
          + HasKeys
          + HasCodes
          + HasAccounts
          + HasEnterprise
          + HasRegistry
          + HasUploads
          + HasFace
          + HasFlows),
    principal: &Principal,
    form: ApplicationForm,
) -> Result<Started> {
    // `503 TRY_AGAIN` promises nothing was changed: an attempt counted by a start that then met
    // a store too busy to write it is given back, so the client's retry does not spend two; so is
    // the attempt of a start that lost the race for the one open transfer application.
    let mut counted = None;
    let started = async {
        let (agreement, version) = ENTERPRISE_AGREEMENT;
        if form.agreement.id != agreement || form.agreement.version != version {
            return Err(Error::AgreementsRequired { missing: vec![agreement] });
        }
        let name = form.name.trim();
        if !(2..=100).contains(&name.chars().count()) {
            return Err(Error::invalid("name", "the organisation's registered name, 2-100 characters"));
        }
        let now = deps.clock().now();
        let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
        let change = match &form.change {
            None if account.personal.is_some() || account.enterprise.is_some() => return Err(Error::AlreadyVerified),
            None => None,
            Some((change, acceptance)) => {
                let named = (&form.uscc, form.name.as_str());
                Some(change_in_progress(deps, principal, &account, (change, acceptance), form.method, named).await?)
            }
        };
        let person = face_person(&form)?;
        let transfer = match form.method {
            Method::CorporateTransfer => Some(transfer_account(&form)?),
            _ => None,
        };
        let receiving = match form.method {
            Method::Recharge => Some(receiving_account(deps, &account, form.receiving_code.as_ref()).await?),
            _ => None,
        };
        // A recharge already waiting is refused before an attempt is spent (a race between two
        // starts is still settled by `open_recharge`, after both counted).
        if receiving.as_ref().is_some_and(|(r, _)| r.waits(now)) {
            return Err(Error::RechargeAlreadyOpen);
        }
        // A malformed request costs no attempt: the uploads are checked first [KYC-E3]; the attempt
        // is the try at the proof, counted before the registry (an outside party) is asked.
        let needed = needed_material(person.as_ref().map(|p| p.0));
        let checked = check_material(deps, &principal.account_id, &needed, &form.material).await?;
        // One open corporate transfer application per account (issue 25), refused before an attempt
        // is spent; two starts racing are settled by the guard the creation takes.
        let transfer_guard = match form.method {
            Method::CorporateTransfer => Some(open_transfer_named(deps, &principal.account_id).await?),
            _ => None,
        };
        match change {
            Some(change) => count_change_attempt(deps, change, form.method).await?,
            None => {
                count_attempt(deps, &principal.account_id, form.method).await?;
                counted = Some(form.method);
            }
        }
        check_registry(deps, &form, now).await?;
        let id = FlowId::generate();
        let material = keep_material(deps, &id, checked, 0).await?;
        let organisation = Organisation {
            org_type: form.org_type,
            name: name.to_owned(),
            uscc: form.uscc.clone(),
            legal_representative: seal_legal(deps, &form.legal_representative)?,
        };
        let mut application = EnterpriseApplication {
            account_id: principal.account_id.clone(),
            method: form.method,
            organisation,
            person: person.as_ref().map(|(role, p)| seal(deps, p).map(|sealed| (*role, sealed))).transpose()?,
            material,
            transfer: None,
            recharge: None,
            state: ApplicationState::AwaitingTransfer,
            change: form.change.as_ref().map(|(id, _)| id.clone()),
            case: None,
            created_at: now,
            updated_at: now,
        };
        if let Some((bank, number)) = transfer {
            let amount = Fen::draw(TRANSFER_RANGE);
            application.transfer = Some(TransferDetails {
                bank_code: bank.code.clone(),
                bank_name: bank.name.clone(),
                account_encrypted: deps.keys().encrypt(&number)?,
                account_masked: mask_middle(&number, 4, 4),
                amount_encrypted: deps.keys().encrypt(&amount.0.to_string())?,
                amount_hash: amount_hash(deps, &id, amount),
            });
        }
        if let Some((receiving, _)) = &receiving {
            let amount = Fen::draw(RECHARGE_RANGE);
            application.recharge = Some(RechargeDetails {
                amount_encrypted: deps.keys().encrypt(&amount.0.to_string())?,
                amount_hash: amount_hash(deps, &id, amount),
                receiving_account_masked: receiving.number_masked.clone(),
            });
            if !deps.enterprise().open_recharge(&id, &application, now).await? {
                return Err(Error::RechargeAlreadyOpen);
            }
            return Ok(Started { application: Versioned { id, version: 0, flow: application }, face: None });
        }
        let (_, who) = person.ok_or_else(|| Error::internal("start an application", "no face check"))?;
        let face_id = FlowId::generate();
        application.state = ApplicationState::AwaitingFace { session: Some(face_id.clone()), failed_checks: 0 };
        match &transfer_guard {
            Some(replacing) => {
                if !deps.enterprise().open_transfer(&id, &application, replacing.as_ref()).await? {
                    return Err(Error::TransferAlreadyOpen);
                }
            }
            None => deps.enterprise().create_application(&id, &application).await?,
        }
        let face = open_face(deps, &principal.account_id, &id, &face_id, &who).await?;
        Ok(Started { application: Versioned { id, version: 0, flow: application }, face: Some(face) })
    }
    .await;
    if let (Err(Error::TryAgain { .. } | Error::TransferAlreadyOpen), Some(method)) = (&started, counted) {
        deps.enterprise().give_back_attempt(&principal.account_id, method).await?;
    }
    started
}

/// Opens a face session for an application's person (its QR code for the mobile app).
async fn open_face(
    deps: &(impl HasClock + HasFace + HasFlows),
    account: &AccountId,
    application: &FlowId,
    face_id: &FlowId,
    who: &PersonForm,
) -> Result<FaceStarted> {
    let checked = (who.name.expose(), who.document.number());
    let for_flow = Some(FaceFor::Enterprise(application.clone()));
    super::kyc::open_face_session(deps, account, face_id, checked, None, for_flow).await
}

async fn own_application(
    deps: &impl HasFlows,
    principal: &Principal,
    id: &FlowId,
) -> Result<Versioned<EnterpriseApplication>> {
    deps.flows::<EnterpriseApplication>()
        .load(id)
        .await?
        .filter(|a| a.flow.account_id == principal.account_id)
        .ok_or(Error::NotFound)
}

fn not_at_step(application: &EnterpriseApplication) -> Error {
    Error::ApplicationNotAtStep { state: state_name(&application.state) }
}

/// A new face session for an application whose check failed or whose QR code expired: one more
/// attempt of its method [KYC-E4]. The person is the one the application named (decrypted here).
pub async fn refresh_face(
    deps: &(impl HasClock + HasKeys + HasFace + HasFlows + HasEnterprise),
    principal: &Principal,
    id: &FlowId,
) -> Result<FaceStarted> {
    let current = own_application(deps, principal, id).await?;
    let now = deps.clock().now();
    let face_id = FlowId::generate();
    let next = current
        .flow
        .clone()
        .apply(ApplicationEvent::FaceStarted { session: &face_id }, now)
        .map_err(|_| not_at_step(&current.flow))?;
    // An application completing a change counts in the change (5 per method for a person
    // becoming an organisation [CHG-4], the new organisation's own 10 [CHG-3]).
    match &current.flow.change {
        Some(change_id) => {
            let change = deps.flows::<SubjectChange>().load(change_id).await?.ok_or(Error::NotFound)?;
            count_change_attempt(deps, change, current.flow.method).await?
        }
        None => count_attempt(deps, &principal.account_id, current.flow.method).await?,
    }
    let (_, sealed) = current.flow.person.clone().ok_or_else(|| not_at_step(&current.flow))?;
    let who = PersonForm {
        name: PersonName::parse(&deps.keys().decrypt(&sealed.name_encrypted)?)
            .map_err(|e| Error::internal("a sealed name", e))?,
        document: IdDocument::parse(sealed.document_type, &deps.keys().decrypt(&sealed.id_number_encrypted)?)
            .map_err(|e| Error::internal("a sealed ID number", e))?,
    };
    if !deps.flows::<EnterpriseApplication>().save(&current, &next).await? {
        return Err(Error::ApplicationChanged);
    }
    open_face(deps, &principal.account_id, id, &face_id, &who).await
}

/// The owner withdraws an application that has not ended [LIFE-1]: one waiting for a face check
/// or a deposit ends at once (a deposit paid later needs no refund and changes nothing); one in
/// review ends with its case, withdrawn in the same transaction (even once a reviewer claimed
/// it). A recharge is not withdrawn: it ends by itself within 3 days of its start.
pub async fn withdraw_application(
    deps: &(impl HasClock + HasFlows + HasCases),
    principal: &Principal,
    id: &FlowId,
) -> Result<Versioned<EnterpriseApplication>> {
    let current = own_application(deps, principal, id).await?;
    if !current.flow.withdrawable() {
        return Err(not_at_step(&current.flow));
    }
    if let ApplicationState::InReview { case_id } = &current.flow.state {
        super::cases::withdraw_case(deps, principal, case_id).await?;
        return own_application(deps, principal, id).await;
    }
    let now = deps.clock().now();
    let store = deps.flows::<EnterpriseApplication>();
    match advance(store, current, || ApplicationEvent::Withdraw, now).await? {
        Ok(withdrawn) => Ok(withdrawn),
        Err(_) => {
            let moved = own_application(deps, principal, id).await?;
            Err(not_at_step(&moved.flow))
        }
    }
}

/// The identity an application verifies.
fn identity_of(id: &FlowId, application: &EnterpriseApplication, now: DateTime<Utc>) -> EnterpriseIdentity {
    EnterpriseIdentity {
        method: application.method,
        org_type: application.organisation.org_type,
        name: application.organisation.name.clone(),
        uscc: application.organisation.uscc.clone(),
        legal_representative_masked: application.organisation.legal_representative.name_masked.clone(),
        application_id: id.clone(),
        verified_at: now,
    }
}

/// The review case of an application [KYC-E4, KYC-E5].
fn review_case(id: &FlowId, application: &EnterpriseApplication, reason: EnterpriseReview, now: DateTime<Utc>) -> Case {
    let facts = EnterpriseFacts {
        org_type: application.organisation.org_type,
        certificate: application.organisation.org_type.names().1.to_owned(),
        legal_representative: application.organisation.legal_representative.clone(),
        face_check: application.person.clone(),
        face_result: format!("passed ({})", now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        bank_account_masked: application.transfer.as_ref().map(|t| format!("{} {}", t.bank_name, t.account_masked)),
    };
    let request = crate::domain::case::CaseRequest::Enterprise {
        application: id.clone(),
        reason,
        identity: Box::new(identity_of(id, application, now)),
        facts: Box::new(facts),
    };
    Case::new(application.account_id.clone(), Subject::Enterprise, request, application.material.clone(), now)
}

/// The face provider's result for an application's session (called by the face callback): a
/// failure kills the session's QR code; a pass verifies a company, sends any other organisation
/// to review, and starts a corporate transfer's payout.
pub(crate) async fn face_result(
    deps: &(impl HasClock + HasKeys + HasFlows + HasEnterprise + HasReviewQueue + HasPayouts + HasAccounts),
    face: &Versioned<FaceVerification>,
    face_next: FaceVerification,
    application: &FlowId,
) -> Result<()> {
    let now = deps.clock().now();
    let store = deps.flows::<EnterpriseApplication>();
    for _ in 0..MAX_RACES {
        let current = store.load(application).await?.ok_or(Error::NotFound)?;
        let account = current.flow.account_id.clone();
        if face_next.state != FaceState::Passed {
            let Ok(next) = current.flow.clone().apply(ApplicationEvent::FaceFailed { session: &face.id }, now) else {
                // Not the application's session any more: only the session ends.
                return save_face(deps, face, &face_next).await;
            };
            let effects = [EnterpriseEffect::Face(Box::new(face.clone()), Box::new(face_next.clone()))];
            match deps.enterprise().settle(&account, Some((&current, &next)), &effects).await? {
                SettleOutcome::Applied => return Ok(()),
                _ => continue,
            }
        }
        let then = match current.flow.method {
            Method::LegalFace if current.flow.organisation.org_type.is_company() => AfterFace::Verify,
            Method::LegalFace => AfterFace::Review(FlowId::generate()),
            _ => AfterFace::Pay,
        };
        let event = ApplicationEvent::FacePassed { session: &face.id, then: then.clone() };
        let next = current.flow.clone().apply(event, now).map_err(|_| Error::FaceSessionEnded)?;
        let mut effects = vec![EnterpriseEffect::Face(Box::new(face.clone()), Box::new(face_next.clone()))];
        let case = match &then {
            AfterFace::Verify => {
                effects.push(verified_effects(deps, &current.id, &current.flow, now).await?);
                None
            }
            AfterFace::Review(case_id) => {
                let case = review_case(&current.id, &current.flow, EnterpriseReview::OtherOrganisation, now);
                effects.push(EnterpriseEffect::OpenCase(case_id.clone(), Box::new(case.clone())));
                Some(Versioned { id: case_id.clone(), version: 0, flow: case })
            }
            AfterFace::Pay => None,
        };
        match deps.enterprise().settle(&account, Some((&current, &next)), &effects).await? {
            SettleOutcome::Applied => {
                if let Some(case) = case {
                    dispatch(deps, case).await?;
                }
                if then == AfterFace::Pay {
                    request_payout(deps, Versioned { id: current.id, version: current.version + 1, flow: next }).await;
                }
                return Ok(());
            }
            SettleOutcome::AlreadyVerified => {
                supersede(deps, &current).await?;
                return Err(Error::AlreadyVerified);
            }
            SettleOutcome::CaseOpen => return Err(Error::CaseAlreadyOpen),
            SettleOutcome::Stale | SettleOutcome::Duplicate => {
                // A result for this session already came (or the application moved): re-read.
                if deps.flows::<FaceVerification>().load(&face.id).await?.is_some_and(|f| f.version != face.version) {
                    return Err(Error::FaceSessionEnded);
                }
            }
        }
    }
    Err(Error::busy("a face result", "too many concurrent writes"))
}

async fn save_face(deps: &impl HasFlows, face: &Versioned<FaceVerification>, next: &FaceVerification) -> Result<()> {
    if deps.flows::<FaceVerification>().save(face, next).await? {
        Ok(())
    } else {
        Err(Error::FaceSessionEnded)
    }
}

/// An application whose account was verified by another one ends.
async fn supersede(deps: &(impl HasClock + HasFlows), current: &Versioned<EnterpriseApplication>) -> Result<()> {
    let now = deps.clock().now();
    let _ =
        advance(deps.flows::<EnterpriseApplication>(), current.clone(), || ApplicationEvent::Supersede, now).await?;
    Ok(())
}

/// Asks the payout provider to pay the deposit (idempotent by the application's id); a failure
/// is left to the sweeper, which asks again a minute later.
async fn request_payout(
    deps: &(impl HasClock + HasKeys + HasFlows + HasPayouts),
    application: Versioned<EnterpriseApplication>,
) {
    if let Err(fault) = try_payout(deps, application.clone()).await {
        tracing::warn!(application_id = %application.id, error = %fault, "the payout was not requested; the sweeper asks again");
    }
}

async fn try_payout(
    deps: &(impl HasClock + HasKeys + HasFlows + HasPayouts),
    application: Versioned<EnterpriseApplication>,
) -> Result<()> {
    let transfer = application.flow.transfer.as_ref().ok_or_else(|| Error::internal("pay", "not a transfer"))?;
    let bank = banks::supported()
        .iter()
        .find(|b| b.code == transfer.bank_code)
        .ok_or_else(|| Error::internal("pay", "a bank no longer listed"))?;
    let number = deps.keys().decrypt(&transfer.account_encrypted)?;
    let fen: u64 = deps.keys().decrypt(&transfer.amount_encrypted)?.parse().map_err(|e| Error::internal("pay", e))?;
    let payout = Payout {
        id: &application.id,
        bank,
        account_number: &number,
        account_name: &application.flow.organisation.name,
        amount: Fen(fen),
    };
    deps.payouts().pay(payout).await?;
    let now = deps.clock().now();
    let _ =
        advance(deps.flows::<EnterpriseApplication>(), application, || ApplicationEvent::PayoutRequested, now).await?;
    Ok(())
}

/// The payout provider's signed outcome [KYC-E5]; a repeated or out-of-order callback changes
/// nothing (`false`).
pub async fn payout_result(
    deps: &(impl HasClock + HasFlows + HasPayouts),
    body: &[u8],
    signature: &str,
) -> Result<bool> {
    if !deps.payouts().callback_is_authentic(body, signature) {
        return Err(Error::CallbackSignatureInvalid);
    }
    let callback: PayoutCallback = serde_json::from_slice(body).map_err(|e| Error::invalid("body", e.to_string()))?;
    let failure = match callback.reason.as_deref() {
        None => None,
        Some("bank_name") => Some(Failure::BankName),
        Some("name_mismatch") => Some(Failure::NameMismatch),
        Some("account_unsupported") => Some(Failure::AccountUnsupported),
        Some(other) => return Err(Error::invalid("reason", format!("`{other}` is not a known reason"))),
    };
    let event = move || match (callback.status.as_str(), failure) {
        ("arrived", _) => Some(ApplicationEvent::PayoutArrived { at: callback.at }),
        ("failed", Some(failure)) => Some(ApplicationEvent::PayoutFailed(failure)),
        _ => None,
    };
    if event().is_none() {
        return Err(Error::invalid("status", "`arrived`, or `failed` with a reason"));
    }
    let store = deps.flows::<EnterpriseApplication>();
    let current = store.load(&callback.payout_id).await?.ok_or(Error::NotFound)?;
    let now = deps.clock().now();
    #[allow(clippy::unwrap_used, reason = "checked just above")]
    let changed = advance(store, current, || event().unwrap(), now).await?;
    Ok(changed.is_ok())
}

/// What an entered amount did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountOutcome {
    Verified,
    InReview { case_id: FlowId },
}

/// The amount the user read on the corporate account [KYC-E5]: the right one verifies (or goes
/// to review when a risk rule fires); a wrong one is counted in the same conditional write that
/// records it, so parallel guesses take effect one at a time.
pub async fn enter_amount(
    deps: &(impl HasClock + HasKeys + HasFlows + HasEnterprise + HasReviewQueue + HasRisk + HasAccounts),
    principal: &Principal,
    id: &FlowId,
    amount: &str,
) -> Result<AmountOutcome> {
    let amount =
        Fen::parse(amount).ok_or_else(|| Error::invalid("amount", "CNY with at most two decimals, e.g. 0.37"))?;
    let mut current = own_application(deps, principal, id).await?;
    let transfer = current.flow.transfer.clone().ok_or_else(|| not_at_step(&current.flow))?;
    let right = {
        use subtle::ConstantTimeEq;
        bool::from(amount_hash(deps, id, amount).as_bytes().ct_eq(transfer.amount_hash.as_bytes()))
    };
    let risk = if right {
        let number = deps.keys().decrypt(&transfer.account_encrypted)?;
        deps.risk().transfer_hits(&principal.account_id, &current.flow.organisation.uscc, &number).await?
    } else {
        false
    };
    let now = deps.clock().now();
    for _ in 0..MAX_RACES {
        // A wrong amount is counted; the last one allowed sends the application to a person
        // (issue 25) instead of ending it for a silent new attempt. A right one verifies, or
        // goes to review when a risk rule fires.
        let (review, reason) = if right {
            (risk.then(FlowId::generate), EnterpriseReview::TransferRisk)
        } else {
            (current.flow.next_wrong_entry_is_last().then(FlowId::generate), EnterpriseReview::WrongAmounts)
        };
        let event = if right {
            ApplicationEvent::AmountRight { review: review.clone() }
        } else {
            ApplicationEvent::AmountWrong { review: review.clone() }
        };
        let next = current.flow.clone().apply(event, now).map_err(|_| not_at_step(&current.flow))?;
        let wrong = || Error::AmountWrong { entries_left: next.entries_left() };
        if !right && review.is_none() {
            if deps.flows::<EnterpriseApplication>().save(&current, &next).await? {
                return Err(wrong());
            }
            current = own_application(deps, principal, id).await?;
            continue;
        }
        let (effect, case) = match &review {
            Some(case_id) => {
                let case = review_case(id, &current.flow, reason, now);
                let versioned = Versioned { id: case_id.clone(), version: 0, flow: case.clone() };
                (EnterpriseEffect::OpenCase(case_id.clone(), Box::new(case)), Some(versioned))
            }
            None => (verified_effects(deps, id, &current.flow, now).await?, None),
        };
        match deps.enterprise().settle(&principal.account_id, Some((&current, &next)), &[effect]).await? {
            SettleOutcome::Applied => {
                return match case {
                    Some(case) => {
                        let case_id = case.id.clone();
                        dispatch(deps, case).await?;
                        if right {
                            Ok(AmountOutcome::InReview { case_id })
                        } else {
                            Err(wrong())
                        }
                    }
                    None => Ok(AmountOutcome::Verified),
                };
            }
            SettleOutcome::AlreadyVerified => {
                supersede(deps, &current).await?;
                return Err(Error::AlreadyVerified);
            }
            SettleOutcome::CaseOpen => return Err(Error::CaseAlreadyOpen),
            SettleOutcome::Stale | SettleOutcome::Duplicate => current = own_application(deps, principal, id).await?,
        }
    }
    Err(Error::busy("enter an amount", "too many concurrent writes"))
}

/// The bank's signed notification of a transfer into a receiving account [KYC-E6]: credited to
/// the balance once per transfer id; the exact amount from the organisation's exact name within 3
/// days verifies the recharge application it waited for, anything else rejects it. `false`: the
/// transfer was notified before (nothing changes).
pub async fn inbound_transfer(
    deps: &(impl HasClock + HasKeys + HasFlows + HasEnterprise + HasInboundBank + HasAccounts),
    body: &[u8],
    signature: &str,
) -> Result<bool> {
    if !deps.inbound_bank().notification_is_authentic(body, signature) {
        return Err(Error::CallbackSignatureInvalid);
    }
    let transfer: InboundTransfer = serde_json::from_slice(body).map_err(|e| Error::invalid("body", e.to_string()))?;
    let amount = Fen::parse(&transfer.amount).ok_or_else(|| Error::invalid("amount", "CNY, e.g. 0.37"))?;
    if transfer.transfer_id.trim().is_empty() || transfer.transfer_id.len() > 128 {
        return Err(Error::invalid("transfer_id", "1-128 characters"));
    }
    let hash = receiving_hash(deps, transfer.receiving_account.trim());
    let (account, open) = deps.enterprise().receiving_account_owner(&hash).await?.ok_or(Error::NotFound)?;
    let now = deps.clock().now();
    let credit = EnterpriseEffect::Credit {
        transfer_id: transfer.transfer_id.clone(),
        amount,
        amount_encrypted: deps.keys().encrypt(&amount.0.to_string())?,
        at: transfer.at,
    };
    for _ in 0..MAX_RACES {
        let current = match &open {
            Some(id) => deps.flows::<EnterpriseApplication>().load(id).await?,
            None => None,
        };
        let mut decided = current.as_ref().and_then(|current| {
            let recharge = current.flow.recharge.as_ref()?;
            let exact = amount_hash(deps, &current.id, amount) == recharge.amount_hash
                && crate::domain::enterprise::same_payer_name(&transfer.payer_name, &current.flow.organisation.name);
            current.flow.clone().apply(ApplicationEvent::TransferArrived { exact }, now).ok()
        });
        let mut effects = vec![credit.clone()];
        if let (Some(current), Some(next)) = (&current, &decided) {
            effects.push(EnterpriseEffect::CloseRecharge(current.id.clone()));
            if matches!(next.state, ApplicationState::Verified { .. }) {
                match verified_effects(deps, &current.id, &current.flow, now).await {
                    Ok(verified) => effects.push(verified),
                    // The change it would complete ended (or a change completed within 30 days):
                    // the money is credited all the same and the application fails; a transfer is
                    // never refused for what the verification cannot do [KYC-E6].
                    Err(fault @ Error::Internal { .. }) => return Err(fault),
                    Err(_) => {
                        decided =
                            current.flow.clone().apply(ApplicationEvent::TransferArrived { exact: false }, now).ok();
                    }
                }
            }
        }
        let transition = current.as_ref().zip(decided.as_ref());
        match deps.enterprise().settle(&account, transition, &effects).await? {
            SettleOutcome::Applied => return Ok(true),
            SettleOutcome::Duplicate => return Ok(false),
            SettleOutcome::AlreadyVerified => {
                if let Some(current) = &current {
                    supersede(deps, current).await?;
                }
            }
            SettleOutcome::Stale | SettleOutcome::CaseOpen => {}
        }
    }
    Err(Error::busy("an inbound transfer", "too many concurrent writes"))
}

/// What is due on an application past its sweep deadline: a payout to ask again, or a wait that
/// is over (8 days from the deposit's arrival, 3 days for a recharge, 10 for a deposit).
pub(crate) async fn expire(deps: &(impl HasClock + HasKeys + HasFlows + HasPayouts), id: &FlowId) -> Result<()> {
    let Some(current) = deps.flows::<EnterpriseApplication>().load(id).await? else { return Ok(()) };
    let now = deps.clock().now();
    if current.flow.deadline().is_none_or(|at| at > now) {
        return Ok(());
    }
    if matches!(current.flow.state, ApplicationState::Paying { requested_at: None, .. }) {
        return try_payout(deps, current).await;
    }
    let _ = advance(deps.flows::<EnterpriseApplication>(), current, || ApplicationEvent::Sweep, now).await?;
    Ok(())
}

// ---- what the owner sees ----------------------------------------------------------------------

pub fn state_name(state: &ApplicationState) -> &'static str {
    Progress::of(state).as_str()
}

/// An application's state as its owner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    AwaitingFace,
    /// The face check was not passed in time: start again.
    FaceExpired,
    Paying,
    AwaitingAmount,
    AwaitingTransfer,
    InReview,
    Verified,
    Failed,
    /// A reviewer rejected it (the reason is its failure's message).
    Rejected,
}

impl Progress {
    pub fn of(state: &ApplicationState) -> Self {
        match state {
            ApplicationState::AwaitingFace { .. } => Progress::AwaitingFace,
            ApplicationState::Paying { .. } => Progress::Paying,
            ApplicationState::AwaitingAmount { .. } => Progress::AwaitingAmount,
            ApplicationState::AwaitingTransfer => Progress::AwaitingTransfer,
            ApplicationState::InReview { .. } => Progress::InReview,
            ApplicationState::Verified { .. } => Progress::Verified,
            ApplicationState::Failed { .. } => Progress::Failed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Progress::AwaitingFace => "awaiting_face",
            Progress::FaceExpired => "face_expired",
            Progress::Paying => "paying",
            Progress::AwaitingAmount => "awaiting_amount",
            Progress::AwaitingTransfer => "awaiting_transfer",
            Progress::InReview => "in_review",
            Progress::Verified => "verified",
            Progress::Failed => "failed",
            Progress::Rejected => "rejected",
        }
    }
}

/// An application as its owner sees it; one in review shows its case's state.
#[derive(Debug, Clone)]
pub struct ApplicationView {
    pub application: Versioned<EnterpriseApplication>,
    pub state: Progress,
    pub deadline: Option<DateTime<Utc>>,
    pub failure: Option<(String, String)>,
    /// The case deciding it, if any.
    pub case: Option<Versioned<Case>>,
    /// A recharge's amount and receiving account, for its owner.
    pub remittance: Option<(String, String)>,
}

pub async fn application_view(
    deps: &(impl HasClock + HasKeys + HasFlows + HasEnterprise),
    application: Versioned<EnterpriseApplication>,
) -> Result<ApplicationView> {
    let now = deps.clock().now();
    let a = &application.flow;
    let mut state = Progress::of(&a.state);
    let mut failure = None;
    let mut deadline = a.user_deadline();
    let mut case = None;
    match &a.state {
        ApplicationState::AwaitingFace { .. } if now >= a.face_stage_until() => state = Progress::FaceExpired,
        // The deposit arrives, fails, or is given up by then.
        ApplicationState::Paying { requested_at: Some(at), .. } => deadline = Some(*at + DEPOSIT_WAIT),
        ApplicationState::AwaitingFace { failed_checks, session: None } if *failed_checks > 0 => {
            failure = Some((
                "the face check failed; its QR code no longer works".to_owned(),
                crate::domain::enterprise::FACE_FAILURE_ADVICE.to_owned(),
            ));
        }
        ApplicationState::Failed { failure: f, .. } => failure = Some((f.message().to_owned(), f.advice().to_owned())),
        _ => {}
    }
    if let Some(case_id) = &a.case {
        case = deps.flows::<Case>().load(case_id).await?;
    }
    match (&a.state, case.as_ref().map(|c| &c.flow)) {
        (ApplicationState::InReview { .. }, Some(c)) => deadline = Some(c.due_at),
        (ApplicationState::Failed { failure: Failure::Rejected, .. }, Some(c)) => {
            state = Progress::Rejected;
            if let CaseState::Rejected { reason, .. } = &c.state {
                failure = Some((reason.clone(), Failure::Rejected.advice().to_owned()));
            }
        }
        _ => {}
    }
    let remittance = match (&a.recharge, &a.state) {
        (Some(r), ApplicationState::AwaitingTransfer) => {
            let fen: u64 = deps.keys().decrypt(&r.amount_encrypted)?.parse().map_err(|e| Error::internal("view", e))?;
            let number = match deps.enterprise().receiving_account(&a.account_id).await? {
                Some(receiving) => deps.keys().decrypt(&receiving.number_encrypted)?,
                None => r.receiving_account_masked.clone(),
            };
            Some((Fen(fen).to_string(), number))
        }
        _ => None,
    };
    Ok(ApplicationView { application, state, deadline, failure, case, remittance })
}

/// One of the caller's applications.
pub async fn application(
    deps: &(impl HasClock + HasKeys + HasFlows + HasEnterprise),
    principal: &Principal,
    id: &FlowId,
) -> Result<ApplicationView> {
    let application = own_application(deps, principal, id).await?;
    application_view(deps, application).await
}

pub struct Overview {
    pub attempts: BTreeMap<Method, u32>,
    pub verified: Option<EnterpriseIdentity>,
    pub applications: Vec<ApplicationView>,
}

/// The caller's enterprise verification: attempts per method, the verified organisation, and
/// the applications newest first.
pub async fn overview(
    deps: &(impl HasClock + HasKeys + HasFlows + HasEnterprise + HasAccounts),
    principal: &Principal,
) -> Result<Overview> {
    let account = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    let attempts = deps.enterprise().attempts(&principal.account_id).await?;
    let mut applications = vec![];
    for a in deps.enterprise().applications_of(&principal.account_id, LISTED).await? {
        applications.push(application_view(deps, a).await?);
    }
    Ok(Overview { attempts, verified: account.enterprise, applications })
}
