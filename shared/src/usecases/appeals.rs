//! Appeals filed signed out [MFA-5, ACC-4, LIFE-1]: the people who need an appeal most cannot
//! sign in. From the sign-in, a person who passed the password (the pending sign-in proves it)
//! opens an MFA-unbind or a rebind appeal; from the recovery page, a person who names an account
//! and solves the captcha opens a rebind appeal. Either uploads the material under the appeal's own
//! prefix, submits, and follows it with the appeal's id and the secret shown once.
//!
//! The recovery path proves nothing, so its answers are the same whether or not an account
//! matched [REC-4]: the submission stores the request and queues it for the recovery worker,
//! which looks the account up after the answer and opens the case (its id is the appeal's) or
//! records that nothing matched; the appeal then reads `in_review` until the due time a case
//! would have had.

use super::captcha::check_captcha;
use super::cases::{dispatch, presign_upload, resubmit, subject_of, take_material, MaterialRefs, UploadStarted};
use super::codes;
use super::deps::{
    HasAccounts, HasCases, HasClock, HasCodes, HasFlows, HasKeys, HasRecoveryQueue, HasReviewQueue, HasSecurity,
    HasSignIn, HasUploadLinks, HasUploads,
};
use super::flows::advance;
use super::sign_in::{login_name_of, pending};
use crate::domain::account::SealedContact;
use crate::domain::appeal::{
    AppealEvent, AppealProgress, AppealState, SignedOutAppeal, ANSWERED, DRAFT_TTL, NOT_ACCEPTED,
};
use crate::domain::case::{Case, CaseKind, CaseRequest, CaseState, Subject};
use crate::domain::code::{Code, Purpose};
use crate::domain::flow::Step;
use crate::domain::flow::{FlowKind, Versioned};
use crate::domain::ids::{ChallengeId, FlowId};
use crate::domain::phone::Phone;
use crate::domain::redacted::Redacted;
use crate::domain::session::SignInMethod;
use crate::domain::sign_in::PendingSignIn;
use crate::domain::upload::{ImageType, UploadPurpose};
use crate::error::{Error, Result};
use crate::ports::DueFlow;
use chrono::{DateTime, Utc};

/// The keyed-hash domain of appeal secrets.
const SECRET_DOMAIN: &str = "signed-out-appeal";

/// What the appellant proved when opening the appeal (no `Debug`: it holds an account's name and
/// a captcha's answer).
pub enum Proven {
    /// The password, by a sign-in waiting for its second factor.
    Password { sign_in_id: FlowId },
    /// Nothing: an account named on the recovery page, after the captcha.
    Nothing { account: String, passport: bool, captcha_id: FlowId, captcha_answer: String },
}

#[derive(Debug)]
pub struct AppealOpened {
    pub appeal_id: FlowId,
    /// Shown once; the appeal is followed with it.
    pub secret: Redacted<String>,
    pub kind: CaseKind,
    pub expires_at: DateTime<Utc>,
}

/// Opens a signed-out appeal of `kind` (`mfa_unbind` needs the password; `phone_rebind` either).
pub async fn open_signed_out_appeal(
    deps: &(impl HasClock + HasKeys + HasFlows + HasSecurity),
    kind: CaseKind,
    proven: Proven,
) -> Result<AppealOpened> {
    let (account, named) = match proven {
        Proven::Password { sign_in_id } => {
            let pending_sign_in = pending(deps, &sign_in_id).await?;
            let signed_in = &pending_sign_in.flow;
            if signed_in.method != SignInMethod::Password || signed_in.credential.main_account().is_some() {
                return Err(Error::invalid("sign_in_id", "a password sign-in of a cloud or passport account"));
            }
            // Signed out everywhere since the password passed (a password change, say): no more.
            let security = deps.security().security(&signed_in.credential).await?.ok_or(Error::SignInFlowInvalid)?;
            if security.session_generation != signed_in.session_generation {
                return Err(Error::SignInFlowInvalid);
            }
            let proven = (signed_in.account_id.clone(), signed_in.credential.clone());
            // The pending sign-in is spent: it opens one appeal and signs nobody in afterwards.
            let now = deps.clock().now();
            advance(deps.flows::<PendingSignIn>(), pending_sign_in, || Step::Finish, now)
                .await?
                .map_err(super::sign_in::closed)?;
            (Some(proven), None)
        }
        Proven::Nothing { account, passport, captcha_id, captcha_answer } => {
            if kind != CaseKind::PhoneRebind {
                return Err(Error::invalid("kind", "from the recovery page: `phone_rebind`"));
            }
            check_captcha(deps, &captcha_id, &captcha_answer).await?;
            let account = account.trim();
            if account.is_empty() || account.chars().count() > 100 {
                return Err(Error::invalid("account", "the account's name, 1-100 characters"));
            }
            (None, Some((deps.keys().encrypt(account)?, passport)))
        }
    };
    if !matches!(kind, CaseKind::MfaUnbind | CaseKind::PhoneRebind) {
        return Err(Error::invalid("kind", "`mfa_unbind` or `phone_rebind`"));
    }
    let now = deps.clock().now();
    let secret = crate::domain::ids::secret_token();
    let appeal = SignedOutAppeal {
        kind,
        account,
        named,
        subject: None,
        new_phone: None,
        secret_hash: deps.keys().keyed_hash(SECRET_DOMAIN, &secret),
        state: AppealState::Drafting,
        created_at: now,
        submitted_at: None,
    };
    let appeal_id = FlowId::generate();
    deps.flows::<SignedOutAppeal>().create(&appeal_id, &appeal).await?;
    Ok(AppealOpened { appeal_id, secret: Redacted::new(secret), kind, expires_at: now + DRAFT_TTL })
}

/// The appeal, if `secret` is its own (else not found, as an unknown id).
async fn authenticated(
    deps: &(impl HasKeys + HasFlows),
    id: &FlowId,
    secret: &str,
) -> Result<Versioned<SignedOutAppeal>> {
    use subtle::ConstantTimeEq;
    let hash = deps.keys().keyed_hash(SECRET_DOMAIN, secret);
    let appeal = deps.flows::<SignedOutAppeal>().load(id).await?.ok_or(Error::NotFound)?;
    if bool::from(hash.as_bytes().ct_eq(appeal.flow.secret_hash.as_bytes())) {
        Ok(appeal)
    } else {
        Err(Error::NotFound)
    }
}

use crate::domain::upload::appeal_uploader as uploader;

/// A presigned upload for the appeal's material, while it is drafted or its case waits on new
/// material.
pub async fn appeal_upload(
    deps: &(impl HasClock + HasKeys + HasFlows + HasUploadLinks),
    id: &FlowId,
    secret: &str,
    purpose: UploadPurpose,
    image: ImageType,
    size: u64,
) -> Result<UploadStarted> {
    let appeal = authenticated(deps, id, secret).await?;
    let drafting = appeal.flow.shown(deps.clock().now()).map(|s| s.0) == Some(AppealProgress::Drafting);
    if !drafting && awaited(deps, &appeal).await?.is_none() {
        return Err(Error::AppealNotDrafting);
    }
    presign_upload(deps, &uploader(id), purpose, image, size).await
}

/// The appeal's case while it waits on new material.
async fn awaited(deps: &impl HasFlows, appeal: &Versioned<SignedOutAppeal>) -> Result<Option<Versioned<Case>>> {
    if appeal.flow.state != AppealState::Filed {
        return Ok(None);
    }
    let case = deps.flows::<Case>().load(&appeal.id).await?;
    Ok(case.filter(|c| c.flow.material_request().is_some()))
}

/// Sends the new material a reviewer asked for (uploaded under the appeal as before); the case
/// waits for a reviewer again. Refused (`MATERIAL_NOT_REQUESTED`) unless its case waits on it.
pub async fn resubmit_signed_out_appeal(
    deps: &(impl HasClock + HasKeys + HasFlows + HasReviewQueue + HasUploads),
    id: &FlowId,
    secret: &str,
    material: &MaterialRefs,
) -> Result<AppealView> {
    let appeal = authenticated(deps, id, secret).await?;
    let case = awaited(deps, &appeal).await?.ok_or(Error::MaterialNotRequested)?;
    resubmit(deps, case, &uploader(id), material).await?;
    read_signed_out_appeal(deps, id, secret).await
}

/// What the appellant submits (no `Debug`: it holds a phone and its code).
pub struct Submission {
    /// Whose material it is (the lists differ for a person and an organisation).
    pub subject: Subject,
    /// A rebind's new phone, with the code sent to it (purpose `phone-rebind`).
    pub new_phone: Option<(Phone, ChallengeId, Code)>,
    pub material: MaterialRefs,
}

/// Submits the appeal: the material checked and kept under it; a proven account's case opened at
/// once, a named one's left to the recovery worker (the same answer either way) [REC-4].
#[allow(clippy::too_many_arguments)]
pub async fn submit_signed_out_appeal(
    deps: &(impl HasClock
          + HasKeys
          + HasCodes
          + HasFlows
          + HasAccounts
          + HasSecurity
          + HasUploads
          + HasCases
          + HasReviewQueue
          + HasRecoveryQueue),
    id: &FlowId,
    secret: &str,
    submission: Submission,
) -> Result<AppealView> {
    let appeal = authenticated(deps, id, secret).await?;
    let now = deps.clock().now();
    if appeal.flow.shown(now).map(|s| s.0) != Some(AppealProgress::Drafting) {
        return Err(Error::AppealNotDrafting);
    }
    let kind = appeal.flow.kind;
    let account = match &appeal.flow.account {
        Some((account_id, _)) => Some(deps.accounts().account(account_id).await?.ok_or(Error::NotFound)?),
        None => None,
    };
    if let Some(account) = &account {
        if subject_of(account) != submission.subject {
            return Err(Error::invalid("subject", "is not the account's verified subject"));
        }
    }
    let new_phone = match (kind, submission.new_phone) {
        (CaseKind::PhoneRebind, Some((phone, challenge, code))) => {
            let hash = codes::phone_target(deps, &phone);
            if account.as_ref().is_some_and(|a| a.phone.hash == hash) {
                return Err(Error::invalid("new_phone", "is the phone already bound"));
            }
            codes::consume(deps, &challenge, &code, Purpose::PhoneRebind, &hash).await?;
            Some(SealedContact { encrypted: deps.keys().encrypt(phone.as_e164())?, masked: phone.masked(), hash })
        }
        (CaseKind::PhoneRebind, None) => return Err(Error::invalid("new_phone", "is required")),
        (_, Some(_)) => return Err(Error::invalid("new_phone", "only a rebind appeal names a new phone")),
        (_, None) => None,
    };
    let needed = kind.material(submission.subject);
    let material = take_material(deps, &uploader(id), id, needed, &submission.material).await?;
    let subject = submission.subject;
    let Some(account) = account else {
        // Nothing proven: the worker finds the account after this answer.
        let event = || AppealEvent::Submit { subject, new_phone: new_phone.clone(), material: material.clone() };
        advance(deps.flows::<SignedOutAppeal>(), appeal, event, now).await?.map_err(|_| Error::AppealNotDrafting)?;
        let due = DueFlow { kind: FlowKind::SignedOutAppeal, id: id.clone() };
        deps.recovery_queue().resolve_later(&due).await?;
        return read_signed_out_appeal(deps, id, secret).await;
    };
    let request = match kind {
        CaseKind::MfaUnbind => {
            let credential = appeal.flow.account.as_ref().map(|(_, c)| c.clone()).ok_or(Error::NotFound)?;
            let security = deps.security().security(&credential).await?.ok_or(Error::NotFound)?;
            let device = security.totp_secret_encrypted.ok_or(Error::TotpNotBound)?.into_inner();
            CaseRequest::MfaUnbind { credential: credential.to_string(), device }
        }
        _ => {
            let new_phone = new_phone.clone().ok_or_else(|| Error::invalid("new_phone", "is required"))?;
            CaseRequest::PhoneRebind { new_phone, old_phone_hash: account.phone.hash.clone() }
        }
    };
    let case = Case::new(account.account_id.clone(), subject, request, material, now);
    if !deps.cases().open(id, &case).await? {
        return Err(Error::CaseAlreadyOpen);
    }
    let event = || AppealEvent::Filed { subject, new_phone: new_phone.clone() };
    advance(deps.flows::<SignedOutAppeal>(), appeal, event, now).await?.map_err(|_| Error::AppealNotDrafting)?;
    dispatch(deps, Versioned { id: id.clone(), version: 0, flow: case }).await?;
    read_signed_out_appeal(deps, id, secret).await
}

/// The recovery worker's part: the named account's rebind case, or a record that nothing
/// matched (an account of another kind, the bound phone named as the new one, or an appeal of
/// this kind already open count as nothing) [REC-4]. Safe to run twice.
pub async fn resolve_appeal(
    deps: &(impl HasClock + HasKeys + HasFlows + HasAccounts + HasSignIn + HasCases + HasReviewQueue),
    id: &FlowId,
) -> Result<()> {
    let Some(appeal) = deps.flows::<SignedOutAppeal>().load(id).await? else { return Ok(()) };
    let AppealState::Submitted { at, material } = appeal.flow.state.clone() else { return Ok(()) };
    let (Some((sealed, passport)), Some(subject), Some(new_phone)) =
        (appeal.flow.named.clone(), appeal.flow.subject, appeal.flow.new_phone.clone())
    else {
        return Ok(());
    };
    let name = login_name_of(deps, &deps.keys().decrypt(&sealed)?, passport);
    let account = match deps.sign_in().credential(&name).await? {
        Some(credential) => deps.accounts().account(&credential.account_id).await?,
        None => None,
    };
    let case = account.filter(|a| a.phone.hash != new_phone.hash && subject_of(a) == subject).map(|a| {
        let request = CaseRequest::PhoneRebind { new_phone: new_phone.clone(), old_phone_hash: a.phone.hash.clone() };
        Case::new(a.account_id.clone(), subject, request, material, at)
    });
    let now = deps.clock().now();
    let store = deps.flows::<SignedOutAppeal>();
    let opened = match &case {
        // An account deleted meanwhile matched nothing.
        Some(case) => match deps.cases().open(id, case).await {
            Err(Error::Unauthenticated) => false,
            opened => opened?,
        },
        None => false,
    };
    match case {
        Some(case) if opened => {
            let filed = || AppealEvent::Filed { subject, new_phone: Some(new_phone.clone()) };
            let _ = advance(store, appeal, filed, now).await?;
            dispatch(deps, Versioned { id: id.clone(), version: 0, flow: case }).await?;
        }
        // Opened by an earlier run of this very message: only the appeal's state is left.
        _ if deps.flows::<Case>().load(id).await?.is_some() => {
            let filed = || AppealEvent::Filed { subject, new_phone: Some(new_phone.clone()) };
            let _ = advance(store, appeal, filed, now).await?;
        }
        _ => {
            let _ = advance(store, appeal, || AppealEvent::Unmatched, now).await?;
        }
    }
    Ok(())
}

/// A signed-out appeal as its appellant follows it.
#[derive(Debug)]
pub struct AppealView {
    pub appeal_id: FlowId,
    pub kind: CaseKind,
    pub state: AppealProgress,
    /// Until when it may be submitted (drafting), when a reviewer is due to answer, or until
    /// when the new material asked for may be sent.
    pub until: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
    /// The files a reviewer asked to be sent again, and why.
    pub material_request: Option<(Vec<UploadPurpose>, String)>,
}

/// The appeal's progress, by its id and secret (no session).
pub async fn read_signed_out_appeal(
    deps: &(impl HasClock + HasKeys + HasFlows),
    id: &FlowId,
    secret: &str,
) -> Result<AppealView> {
    let appeal = authenticated(deps, id, secret).await?;
    let now = deps.clock().now();
    if let (Some(_), Some(at)) = (&appeal.flow.named, appeal.flow.submitted_at) {
        // From the recovery page nothing was proven: the progress is the same whether or not an
        // account matched [REC-4] - in review until the due time a case would have, then
        // answered; a matched appeal's outcome goes by SMS to the new phone it proved.
        let due = crate::domain::appeal::due_from(appeal.flow.kind, at);
        let (state, until, reason) = if now < due {
            (AppealProgress::InReview, Some(due), None)
        } else {
            (AppealProgress::Answered, None, Some(ANSWERED.to_owned()))
        };
        return Ok(AppealView {
            appeal_id: id.clone(),
            kind: appeal.flow.kind,
            state,
            until,
            rejection_reason: reason,
            material_request: None,
        });
    }
    let mut material_request = None;
    let (state, until, rejection_reason) = match appeal.flow.shown(now) {
        Some((AppealProgress::Rejected, _)) => (AppealProgress::Rejected, None, Some(NOT_ACCEPTED.to_owned())),
        Some((state, until)) => (state, until, None),
        None => {
            let case = deps.flows::<Case>().load(id).await?.ok_or(Error::NotFound)?.flow;
            let state = match case.state {
                CaseState::Submitted | CaseState::InReview { .. } => AppealProgress::InReview,
                CaseState::AwaitingCustomer { .. } => AppealProgress::AwaitingMaterial,
                CaseState::Approved { .. } => AppealProgress::Approved,
                CaseState::Rejected { .. } => AppealProgress::Rejected,
                CaseState::Withdrawn => AppealProgress::Withdrawn,
            };
            let until = match case.material_request() {
                Some(asked) => {
                    material_request = Some((asked.requested.to_vec(), asked.note.to_owned()));
                    Some(asked.until)
                }
                None => case.state.is_open().then_some(case.due_at),
            };
            (state, until, case.rejection_reason().map(str::to_owned))
        }
    };
    Ok(AppealView { appeal_id: id.clone(), kind: appeal.flow.kind, state, until, rejection_reason, material_request })
}
