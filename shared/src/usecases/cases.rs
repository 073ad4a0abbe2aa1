//! Review cases, the customer's side: upload material, submit an appeal or support case, follow
//! it, withdraw it while it waits [ACC-4, MFA-5, KYC-P7, KYC-E3]. A submitted case is written
//! first and then put on the review queue; if that send fails the case is still kept, and the
//! deadline sweeper puts it on the queue a minute later (the case's sweep deadline says so).

use super::codes;
use super::deps::{
    HasAccounts, HasCases, HasClock, HasCodes, HasFlows, HasKeys, HasKyc, HasReviewQueue, HasSecurity, HasUploadLinks,
    HasUploads,
};
use super::flows::advance;
use super::kyc::{prepare_identity, Person};
use crate::domain::account::SealedContact;
use crate::domain::case::{Case, CaseEvent, CaseRequest, Material, ReviewOutcome, Subject};
use crate::domain::change::{ChangeEvent, ChangeState, SubjectChange};
use crate::domain::code::{Code, Purpose};
use crate::domain::enterprise::application::{ApplicationEvent, ApplicationState, EnterpriseApplication};
use crate::domain::flow::{Flow, Versioned};
use crate::domain::ids::{AccountId, ChallengeId, FlowId};
use crate::domain::phone::Phone;
use crate::domain::session::Principal;
use crate::domain::upload::{
    case_object, waiting_object, ImageType, UploadId, UploadPurpose, MAX_UPLOAD_BYTES, UPLOAD_URL_TTL_SECS,
};
use crate::error::{Error, Result};
use crate::ports::{Decides, Page, PageRequest, PresignedRequest};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// The material a submission names: purpose -> upload id.
pub type MaterialRefs = BTreeMap<UploadPurpose, String>;

#[derive(Debug, Clone)]
pub struct UploadStarted {
    pub upload_id: String,
    pub request: PresignedRequest,
    pub expires_at: DateTime<Utc>,
}

/// A presigned upload of one file for `purpose` under the account's own prefix [KYC-E3]: at most
/// 4 MB, JPEG or PNG (the declared type and size are signed; the content is checked again when a
/// case names the upload).
pub async fn start_upload(
    deps: &(impl HasClock + HasUploadLinks),
    principal: &Principal,
    purpose: UploadPurpose,
    image: ImageType,
    size: u64,
) -> Result<UploadStarted> {
    presign_upload(deps, &principal.account_id, purpose, image, size).await
}

/// A presigned upload under `owner`'s prefix (an account, or a signed-out appeal's own).
pub(crate) async fn presign_upload(
    deps: &(impl HasClock + HasUploadLinks),
    owner: &AccountId,
    purpose: UploadPurpose,
    image: ImageType,
    size: u64,
) -> Result<UploadStarted> {
    if size == 0 || size > MAX_UPLOAD_BYTES {
        return Err(Error::UploadTooLarge { material: purpose.as_str() });
    }
    let now = deps.clock().now();
    let id = UploadId::generate(purpose);
    let object = waiting_object(owner, &id);
    let ttl = Duration::seconds(i64::try_from(UPLOAD_URL_TTL_SECS).unwrap_or(300));
    let request = deps.upload_links().presign_put(&object, image.content_type(), size, now, ttl).await?;
    Ok(UploadStarted { upload_id: id.to_string(), request, expires_at: now + ttl })
}

/// Checks every file a case needs (it exists under this account for this purpose, at most 4 MB,
/// a JPEG or PNG by its first bytes), then keeps them under the case. Nothing is copied unless
/// all pass; the first refusal names the material and why.
pub(crate) async fn take_material(
    deps: &impl HasUploads,
    account: &AccountId,
    case_id: &FlowId,
    needed: &[UploadPurpose],
    given: &MaterialRefs,
) -> Result<Vec<Material>> {
    let checked = check_material(deps, account, needed, given).await?;
    keep_material(deps, case_id, checked, 0).await
}

/// Uploads that passed [`check_material`], to keep with [`keep_material`].
pub(crate) struct CheckedMaterial {
    /// Whose uploads they are: the kept files go under this account's prefix.
    account: AccountId,
    /// Each file: its upload, where it waits, its type, its entity tag and its size.
    files: Vec<(UploadId, String, ImageType, String, u64)>,
}

/// Checks every file a case needs, keeping nothing yet (so a step that counts an attempt can
/// refuse bad material before it counts).
pub(crate) async fn check_material(
    deps: &impl HasUploads,
    account: &AccountId,
    needed: &[UploadPurpose],
    given: &MaterialRefs,
) -> Result<CheckedMaterial> {
    if let Some(extra) = given.keys().find(|p| !needed.contains(p)) {
        return Err(Error::invalid(
            format!("material.{}", extra.as_str()),
            "this case does not take this material".to_string(),
        ));
    }
    let mut checked = vec![];
    for purpose in needed {
        let material = purpose.as_str();
        let text = given.get(purpose).ok_or(Error::MaterialMissing { material })?;
        let id = UploadId::parse(text).ok_or(Error::UploadNotFound { material })?;
        if id.purpose != *purpose {
            return Err(Error::UploadPurposeMismatch { material });
        }
        let object = waiting_object(account, &id);
        let first = deps
            .uploads()
            .first_bytes(&object, ImageType::SNIFF_BYTES)
            .await?
            .ok_or(Error::UploadNotFound { material })?;
        if first.size > MAX_UPLOAD_BYTES {
            return Err(Error::UploadTooLarge { material });
        }
        let image = ImageType::sniff(&first.bytes).ok_or(Error::UploadNotAnImage { material })?;
        checked.push((id, object, image, first.etag, first.size));
    }
    Ok(CheckedMaterial { account: account.clone(), files: checked })
}

/// Keeps checked uploads under the case (only the very version that was checked), numbered from
/// `first` on.
pub(crate) async fn keep_material(
    deps: &impl HasUploads,
    case_id: &FlowId,
    checked: CheckedMaterial,
    first: usize,
) -> Result<Vec<Material>> {
    let mut kept = vec![];
    for (index, (id, object, image, etag, size)) in checked.files.into_iter().enumerate() {
        let to = case_object(&checked.account, case_id, first + index, &id);
        // Only the very version that was checked is kept: a file replaced meanwhile is refused.
        if !deps.uploads().copy(&object, &to, &etag).await? {
            return Err(Error::UploadNotFound { material: id.purpose.as_str() });
        }
        kept.push(Material { purpose: id.purpose, object: to, image, size: Some(size) });
    }
    Ok(kept)
}

/// Puts a case on the review queue and records when. A failed send is not the customer's
/// problem: the case is kept and the sweeper sends it again.
pub(crate) async fn dispatch(
    deps: &(impl HasClock + HasFlows + HasReviewQueue),
    case: Versioned<Case>,
) -> Result<Versioned<Case>> {
    if let Err(fault) = deps.review_queue().send(&case.id).await {
        tracing::warn!(case_id = %case.id, error = %fault, "the review queue refused a case; the sweeper will send it again");
        return Ok(case);
    }
    let now = deps.clock().now();
    match advance(deps.flows::<Case>(), case.clone(), || CaseEvent::Dispatched, now).await? {
        Ok(dispatched) => Ok(dispatched),
        Err(_) => Ok(case),
    }
}

/// The subject whose material a case carries: the verified organisation, else a person.
pub(crate) fn subject_of(account: &crate::ports::AccountRecord) -> Subject {
    if account.enterprise.is_some() {
        Subject::Enterprise
    } else {
        Subject::Person
    }
}

async fn submit(
    deps: &(impl HasClock + HasFlows + HasReviewQueue + HasUploads + HasCases),
    account: &crate::ports::AccountRecord,
    request: CaseRequest,
    given: &MaterialRefs,
) -> Result<Versioned<Case>> {
    let kind = request.kind();
    let subject = subject_of(account);
    let id = FlowId::generate();
    let material = take_material(deps, &account.account_id, &id, kind.material(subject), given).await?;
    let case = Case::new(account.account_id.clone(), subject, request, material, deps.clock().now());
    // One open case of a kind per account, kept by a guard item written with the case.
    if !deps.cases().open(&id, &case).await? {
        return Err(Error::CaseAlreadyOpen);
    }
    dispatch(deps, Versioned { id, version: 0, flow: case }).await
}

async fn account_of(deps: &impl HasAccounts, principal: &Principal) -> Result<crate::ports::AccountRecord> {
    deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)
}

/// An appeal to unbind a lost virtual MFA device [MFA-5].
pub async fn appeal_mfa_unbind(
    deps: &(impl HasClock + HasFlows + HasReviewQueue + HasUploads + HasCases + HasAccounts + HasSecurity),
    principal: &Principal,
    material: &MaterialRefs,
) -> Result<Versioned<Case>> {
    let account = account_of(deps, principal).await?;
    let security = deps.security().security(&principal.credential).await?.ok_or(Error::NotFound)?;
    let device = security.totp_secret_encrypted.ok_or(Error::TotpNotBound)?.into_inner();
    let request = CaseRequest::MfaUnbind { credential: principal.credential.to_string(), device };
    submit(deps, &account, request, material).await
}

/// An appeal to rebind the phone when the old one is unusable [ACC-4]: the new phone is proven
/// by a code (purpose `phone-rebind`) now; the rebind happens when a reviewer approves.
pub async fn appeal_phone_rebind(
    deps: &(impl HasClock + HasKeys + HasCodes + HasFlows + HasReviewQueue + HasUploads + HasCases + HasAccounts),
    principal: &Principal,
    new_phone: &Phone,
    challenge_id: &ChallengeId,
    code: &Code,
    material: &MaterialRefs,
) -> Result<Versioned<Case>> {
    let account = account_of(deps, principal).await?;
    let new_hash = codes::phone_target(deps, new_phone);
    if new_hash == account.phone.hash {
        return Err(Error::invalid("new_phone", "is the phone already bound"));
    }
    codes::consume(deps, challenge_id, code, Purpose::PhoneRebind, &new_hash).await?;
    let new_phone = SealedContact {
        encrypted: deps.keys().encrypt(new_phone.as_e164())?,
        masked: new_phone.masked(),
        hash: new_hash,
    };
    let request = CaseRequest::PhoneRebind { new_phone, old_phone_hash: account.phone.hash.clone() };
    submit(deps, &account, request, material).await
}

/// A support case for a name/ID mismatch after a recent official change [KYC-P7]: the person as
/// registered now, and the household register's page; approval verifies that person.
pub async fn open_identity_case(
    deps: &(impl HasClock + HasKeys + HasKyc + HasFlows + HasReviewQueue + HasUploads + HasCases + HasAccounts),
    principal: &Principal,
    person: Person,
    material: &MaterialRefs,
) -> Result<Versioned<Case>> {
    let account = account_of(deps, principal).await?;
    let identity = prepare_identity(deps, principal, &person, "support_case").await?;
    submit(deps, &account, CaseRequest::IdentityMismatch { identity }, material).await
}

/// The account's cases, newest first.
pub async fn my_cases(
    deps: &impl HasCases,
    principal: &Principal,
    page: &PageRequest,
) -> Result<Page<Versioned<Case>>> {
    deps.cases().cases_of(&principal.account_id, page).await
}

/// Sends the new material a reviewer asked for (the files uploaded by `uploader`, checked as on
/// submission, kept under the case beside the files they replace): the case waits for a reviewer
/// again with the review time it had left, and is put on the queue.
pub(crate) async fn resubmit(
    deps: &(impl HasClock + HasFlows + HasReviewQueue + HasUploads),
    case: Versioned<Case>,
    uploader: &AccountId,
    given: &MaterialRefs,
) -> Result<Versioned<Case>> {
    let requested = case.flow.material_request().ok_or(Error::MaterialNotRequested)?.requested.to_vec();
    let checked = check_material(deps, uploader, &requested, given).await?;
    let material = keep_material(deps, &case.id, checked, case.flow.next_material_index()).await?;
    let now = deps.clock().now();
    let event = || CaseEvent::Resubmit { material: material.clone() };
    let sent = advance(deps.flows::<Case>(), case, event, now).await?.map_err(|_| Error::MaterialNotRequested)?;
    dispatch(deps, sent).await
}

/// The account's own case, with the new material its reviewer asked for [ACC-4, MFA-5, KYC-P7].
pub async fn resubmit_material(
    deps: &(impl HasClock + HasFlows + HasReviewQueue + HasUploads),
    principal: &Principal,
    case_id: &FlowId,
    given: &MaterialRefs,
) -> Result<Versioned<Case>> {
    let case = deps.flows::<Case>().load(case_id).await?;
    let case = case.filter(|c| c.flow.account_id == principal.account_id).ok_or(Error::NotFound)?;
    resubmit(deps, case, &principal.account_id, given).await
}

/// Withdraws a case that no reviewer has claimed yet.
pub async fn withdraw_case(
    deps: &(impl HasClock + HasFlows + HasCases),
    principal: &Principal,
    case_id: &FlowId,
) -> Result<Versioned<Case>> {
    let now = deps.clock().now();
    for _ in 0..MAX_RACES {
        let current = deps.flows::<Case>().load(case_id).await?;
        let current = current.filter(|c| c.flow.account_id == principal.account_id).ok_or(Error::NotFound)?;
        let next = current.flow.clone().apply(CaseEvent::Withdraw, now).map_err(|_| Error::CaseNotWithdrawable)?;
        let decides = decided_flow(deps, &current.id, &next, ReviewOutcome::Withdrawn, now).await?;
        if deps.cases().close(&current, &next, decides.as_ref()).await? {
            return Ok(Versioned { id: current.id, version: current.version + 1, flow: next });
        }
    }
    Err(Error::busy("withdraw a case", "too many concurrent writes"))
}

/// The application or change a case decides, moved as the case ends (`outcome`), when it is in
/// review by this very case [LIFE-1]: written in the same transaction as the case's end.
pub(crate) async fn decided_flow(
    deps: &impl HasFlows,
    case_id: &FlowId,
    case: &Case,
    outcome: ReviewOutcome,
    now: DateTime<Utc>,
) -> Result<Option<Decides>> {
    let moved = |e: &dyn std::fmt::Display| Error::internal("the flow a case decides", e.to_string());
    match &case.request {
        CaseRequest::Enterprise { application, .. } => {
            let Some(current) = deps.flows::<EnterpriseApplication>().load(application).await? else { return Ok(None) };
            if !matches!(&current.flow.state, ApplicationState::InReview { case_id: c } if c == case_id) {
                return Ok(None);
            }
            let next = current.flow.clone().apply(ApplicationEvent::Reviewed(outcome), now).map_err(|e| moved(&e))?;
            Ok(Some(Decides::Application(Box::new((current, next)))))
        }
        CaseRequest::EnterpriseRename { change, .. } | CaseRequest::EnterpriseSubject { change, .. } => {
            let Some(current) = deps.flows::<SubjectChange>().load(change).await? else { return Ok(None) };
            if !matches!(&current.flow.state, ChangeState::InReview { case_id: c } if c == case_id) {
                return Ok(None);
            }
            let next = current.flow.clone().apply(ChangeEvent::Reviewed(outcome), now).map_err(|e| moved(&e))?;
            Ok(Some(Decides::Change(Box::new((current, next)))))
        }
        CaseRequest::PhoneRebind { .. } | CaseRequest::MfaUnbind { .. } | CaseRequest::IdentityMismatch { .. } => {
            Ok(None)
        }
    }
}

/// How many lost races a withdrawal tolerates.
const MAX_RACES: usize = 8;
