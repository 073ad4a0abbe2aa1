//! Review cases, the staff's side: sign in (password, then virtual MFA), see the queue, claim the
//! next case (receiving its message: the visibility timeout is the claim's lease), view its
//! material through short-lived presigned URLs, approve or reject. A decision is one transaction
//! with its effect and its audit entry, conditional on the case's version, so two racing
//! decisions (or a message delivered twice) apply once. Every staff action is audited.

use super::deps::{
    HasAccounts, HasCases, HasClock, HasFlows, HasKeys, HasOutbox, HasReviewQueue, HasSessions, HasSignIn, HasStaff,
    HasUploadLinks,
};
use super::sign_in::PasswordWindows;
use super::Caller;
use crate::domain::account::MAX_CLOUD_ACCOUNTS_PER_PHONE;
use crate::domain::case::ReviewOutcome;
use crate::domain::case::{Case, CaseEvent, CaseKind, CaseRefusal, CaseRequest, CaseState, Decision, MAX_REASON_CHARS};
use crate::domain::change::{ChangeEvent, SubjectChange};
use crate::domain::enterprise::application::EnterpriseApplication;
use crate::domain::flow::{Flow, Versioned};
use crate::domain::ids::{AccountId, FlowId};
use crate::domain::kyc::MAX_ACCOUNTS_PER_DOCUMENT;
use crate::domain::redacted::Redacted;
use crate::domain::staff::Staff;
use crate::domain::throttle::{self, Throttle};
use crate::domain::totp;
use crate::domain::upload::{UploadPurpose, VIEW_URL_TTL_SECS};
use crate::error::{Error, Result};
use crate::ports::{
    AccountRecord, AuditEntry, CaseEffect, DecisionOutcome, OutboxMessage, Page, PageRequest, Settle, StaffSignIn,
    StaffTokens,
};
use chrono::{DateTime, Duration, Utc};

/// How long a claim lasts unless extended (the review queue's visibility timeout per message).
pub const LEASE: Duration = Duration::minutes(15);
/// How many messages a claim looks through (spare dispatches, decided cases) before it says
/// nothing waits.
const CLAIM_LOOKS: usize = 10;
/// How many lost races a decision tolerates before it answers with a fault.
const MAX_RACES: usize = 8;
/// The claim token of a case claimed by its id (not through a queue message) starts with this; a
/// receipt handle never does. Its lease is kept by the case alone.
const DIRECT_CLAIM: &str = "direct.";

/// Wrong codes one staff MFA session may take (Cognito's own limit aside).
pub const STAFF_MFA_TRIES: u32 = 3;

/// The password step: a session for the virtual MFA step, or a refusal that is the same for an
/// unknown user and a wrong password. Throttled as customers' sign-ins are, before the staff
/// directory is asked (its own lockout is per pool, not per source, and the emulator has none)
/// [LOGIN-6]: 5 failures per staff name from a source lock that source out of the name, 5 from
/// anywhere ask others for a captcha, 50 per source.
pub async fn staff_sign_in(
    deps: &(impl HasClock + HasKeys + HasSignIn + HasFlows + HasStaff),
    username: &str,
    password: &str,
    captcha: Option<&(FlowId, String)>,
    caller: &Caller,
) -> Result<StaffStep> {
    let now = deps.clock().now();
    let name = Throttle::Username(deps.keys().keyed_hash("staff-username", &username.trim().to_lowercase()));
    let windows = PasswordWindows::new(deps, name, caller);
    let reserved = windows.reserve(deps, captcha, now).await?;
    // A refusal leaves the reserved tries counted as failures.
    let step = StaffStep::of(deps.staff().sign_in(username, password).await?, username)?;
    deps.sign_in().settle(&windows.on_success(&reserved), now).await?;
    Ok(step)
}

/// What a staff sign-in asks for next.
#[derive(Debug, Clone)]
pub enum StaffStep {
    /// The authenticator's code.
    SecondFactor { session: String },
    /// A new password (the first sign-in, with an invitation's temporary password).
    NewPassword { session: String },
    /// Set up an authenticator: scan its QR code (or type its secret), then send its first code.
    MfaSetup {
        session: String,
        secret_base32: Redacted<String>,
        otpauth_uri: Redacted<String>,
        qr_code: Redacted<String>,
    },
}

impl StaffStep {
    fn of(answer: StaffSignIn, username: &str) -> Result<Self> {
        Ok(match answer {
            StaffSignIn::SecondFactor { session } => StaffStep::SecondFactor { session },
            StaffSignIn::NewPasswordRequired { session } => StaffStep::NewPassword { session },
            StaffSignIn::MfaSetup { session, secret_base32 } => {
                let otpauth_uri = totp::otpauth_uri_of(secret_base32.expose(), &format!("staff {username}"));
                StaffStep::MfaSetup {
                    session,
                    secret_base32,
                    qr_code: Redacted::new(totp::qr_svg_data_uri(&otpauth_uri)),
                    otpauth_uri: Redacted::new(otpauth_uri),
                }
            }
            StaffSignIn::Refused => return Err(Error::StaffSignInFailed),
        })
    }
}

/// One step of a staff sign-in session (a code, a new password): its try reserved before the
/// staff directory is asked (at most [`STAFF_MFA_TRIES`] per session), the tries cleared once it
/// passed; a refusal stays counted.
async fn session_step<T>(
    deps: &(impl HasClock + HasKeys + HasSignIn),
    session: &str,
    ask: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let now = deps.clock().now();
    let window = Throttle::StaffSecondFactor(deps.keys().keyed_hash("staff-mfa-session", session));
    if let Err(full) = deps.sign_in().reserve(&[(&window, STAFF_MFA_TRIES)], now, throttle::WINDOW).await? {
        return Err(Error::SignInLocked { retry_after_secs: full.retry_after_secs });
    }
    let passed = ask.await?;
    deps.sign_in().settle(&[Settle::Clear(window)], now).await?;
    Ok(passed)
}

/// The virtual MFA step.
pub async fn staff_second_factor(
    deps: &(impl HasClock + HasKeys + HasSignIn + HasStaff),
    username: &str,
    session: &str,
    code: &str,
) -> Result<StaffTokens> {
    let ask = async { deps.staff().second_factor(username, session, code).await?.ok_or(Error::StaffSignInFailed) };
    session_step(deps, session, ask).await
}

/// A new staff user's first sign-in chooses a password (the invitation's was temporary); next
/// comes the authenticator's set-up. A password the pool's policy refuses is said so.
pub async fn staff_new_password(
    deps: &(impl HasClock + HasKeys + HasSignIn + HasStaff),
    username: &str,
    session: &str,
    new_password: &str,
) -> Result<StaffStep> {
    let ask = async { StaffStep::of(deps.staff().new_password(username, session, new_password).await?, username) };
    session_step(deps, session, ask).await
}

/// The authenticator's first code ends a first sign-in with the staff user's tokens; from then on
/// every sign-in asks for its code.
pub async fn staff_finish_mfa_setup(
    deps: &(impl HasClock + HasKeys + HasSignIn + HasStaff),
    username: &str,
    session: &str,
    code: &str,
) -> Result<StaffTokens> {
    let ask = async { deps.staff().finish_mfa_setup(username, session, code).await?.ok_or(Error::StaffSignInFailed) };
    session_step(deps, session, ask).await
}

fn must_review(staff: &Staff) -> Result<()> {
    if staff.reviews() {
        Ok(())
    } else {
        Err(Error::StaffRoleRequired)
    }
}

fn audit(staff: &Staff, action: &str, case_id: &FlowId, detail: Option<String>, at: DateTime<Utc>) -> AuditEntry {
    AuditEntry { at, staff: staff.username.clone(), action: action.into(), case_id: case_id.clone(), detail }
}

pub struct Overview {
    /// The open cases by state (all of them, up to [`FIGURES_OPEN_LIMIT`]).
    pub counts: OpenCounts,
    /// The cases listed: this page of the open cases the filter keeps, soonest due first (or,
    /// for a search, the case or the account's cases, whatever their state).
    pub listed: Page<Versioned<Case>>,
    /// The oldest submission of the open cases.
    pub oldest_submitted_at: Option<DateTime<Utc>>,
}

/// How many open cases wait and are in review; `complete` is false beyond [`FIGURES_OPEN_LIMIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenCounts {
    pub waiting: u32,
    pub in_review: u32,
    /// Waiting on new material from their customers.
    pub awaiting_customer: u32,
    pub complete: bool,
}

/// Which cases a queue page lists.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub kind: Option<CaseKind>,
    pub state: Option<OpenState>,
    pub due: Option<DueFilter>,
    /// A case id (that case, whatever its state) or an account id (its cases): the other
    /// filters do not apply.
    pub search: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenState {
    Waiting,
    InReview,
    AwaitingCustomer,
}

impl OpenState {
    fn of(state: &CaseState) -> Option<OpenState> {
        match state {
            CaseState::Submitted => Some(OpenState::Waiting),
            CaseState::InReview { .. } => Some(OpenState::InReview),
            CaseState::AwaitingCustomer { .. } => Some(OpenState::AwaitingCustomer),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueFilter {
    /// Due within a day.
    Soon,
    Overdue,
}

impl QueueFilter {
    fn keeps(&self, case: &Case, now: DateTime<Utc>) -> bool {
        self.kind.is_none_or(|k| case.kind() == k)
            && self.state.is_none_or(|s| OpenState::of(&case.state) == Some(s))
            && self.due.is_none_or(|d| match d {
                DueFilter::Soon => case.due_soon(now),
                DueFilter::Overdue => case.is_overdue(now),
            })
    }
}

/// The queue for a reviewer: the open cases counted by state, and a page of those the filter
/// keeps (one read of the open-case index serves both), or the cases a search finds.
pub async fn overview(
    deps: &(impl HasClock + HasCases + HasFlows),
    staff: &Staff,
    filter: &QueueFilter,
    page: &PageRequest,
) -> Result<Overview> {
    must_review(staff)?;
    let now = deps.clock().now();
    let (open, complete) = all_open(deps).await?;
    let count = |state: OpenState| {
        let n = open.iter().filter(|c| OpenState::of(&c.flow.state) == Some(state)).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    let counts = OpenCounts {
        waiting: count(OpenState::Waiting),
        in_review: count(OpenState::InReview),
        awaiting_customer: count(OpenState::AwaitingCustomer),
        complete,
    };
    // The oldest a reviewer keeps waiting (not one waiting on its customer).
    let oldest_submitted_at = open.iter().filter(|c| c.flow.state.waits_on_staff()).map(|c| c.flow.submitted_at).min();
    let listed = match filter.search.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => match deps.flows::<Case>().load(&FlowId::from_raw(q)).await? {
            Some(case) => Page { items: vec![case], next: None },
            None => {
                let account = crate::domain::ids::AccountId::from_raw(q);
                Page { next: None, ..deps.cases().cases_of(&account, &PageRequest::first(100)).await? }
            }
        },
        None => {
            let after = page.after.as_deref().map(crate::ports::decode_cursor).transpose()?;
            let mut kept = open
                .into_iter()
                .filter(|c| filter.keeps(&c.flow, now))
                .filter(|c| after.as_ref().is_none_or(|a| queue_key(c) > *a))
                .take(page.size + 1)
                .collect::<Vec<_>>();
            let next = (kept.len() > page.size).then(|| {
                kept.truncate(page.size);
                kept.last().map(|c| crate::ports::encode_cursor(&queue_key(c)))
            });
            Page { items: kept, next: next.flatten() }
        }
    };
    Ok(Overview { counts, listed, oldest_submitted_at })
}

/// Every open case, soonest due first, up to [`FIGURES_OPEN_LIMIT`]: (cases, all of them). One
/// listing: each shard of the open-case index read to its end (or the limit) at once, merged.
async fn all_open(deps: &impl HasCases) -> Result<(Vec<Versioned<Case>>, bool)> {
    let read = deps.cases().open_cases(&PageRequest::first(FIGURES_OPEN_LIMIT)).await?;
    Ok((read.items, read.next.is_none()))
}

/// A case's place in the queue: its due time and id (the open-case index's sort key).
fn queue_key(case: &Versioned<Case>) -> String {
    format!("{}#{}", case.flow.due_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), case.id)
}

pub struct Claimed {
    /// The claim token: the message's receipt handle (extends the lease, ends it on decision).
    pub claim_token: String,
    pub lease_until: DateTime<Utc>,
    pub case: Versioned<Case>,
}

/// Claims the next case waiting on the queue. Messages of cases already decided or withdrawn,
/// and spare dispatches of a case someone else holds, are removed on the way.
pub async fn claim_next(
    deps: &(impl HasClock + HasKeys + HasFlows + HasReviewQueue + HasCases),
    staff: &Staff,
) -> Result<Option<Claimed>> {
    must_review(staff)?;
    for _ in 0..CLAIM_LOOKS {
        let Some(received) = deps.review_queue().receive(LEASE).await? else { return Ok(None) };
        let now = deps.clock().now();
        let mut current = deps.flows::<Case>().load(&received.case_id).await?;
        // Another's live claim (taken by the case's id, with no message): this message comes back
        // when that lease lapses, so the case is never left off the queue.
        let mut held_until = None;
        let claimed = loop {
            let Some(case) = current else { break None };
            held_until = match &case.flow.state {
                CaseState::InReview { lease_until, .. } if *lease_until > now => Some(*lease_until),
                _ => None,
            };
            let token_hash = claim_hash(deps, &received.receipt);
            let event = CaseEvent::Claim {
                reviewer: &staff.username,
                message_id: &received.message_id,
                token_hash: &token_hash,
                lease_until: now + LEASE,
            };
            let next = match case.flow.clone().apply(event, now) {
                Ok(next) => next,
                Err(_) => break None,
            };
            let entry = audit(staff, "claim", &case.id, None, now);
            if deps.cases().transition_audited(&case, &next, &entry).await? {
                break Some(Versioned { id: case.id, version: case.version + 1, flow: next });
            }
            current = deps.flows::<Case>().load(&case.id).await?;
        };
        match (claimed, held_until) {
            (Some(case), _) => {
                return Ok(Some(Claimed { claim_token: received.receipt, lease_until: now + LEASE, case }));
            }
            (None, Some(until)) => {
                deps.review_queue().extend(&received.receipt, until - now + Duration::seconds(1)).await?;
            }
            (None, None) => deps.review_queue().remove(&received.receipt).await?,
        }
    }
    Ok(None)
}

/// Claims this very case, picked from the list (a waiting case, or one whose lease lapsed): a
/// claim taken by the case's id, kept by the case alone (the case's queue message, when another
/// reviewer receives it meanwhile, comes back when the lease lapses). Audited.
pub async fn claim_case(
    deps: &(impl HasClock + HasKeys + HasFlows + HasCases),
    staff: &Staff,
    case_id: &FlowId,
) -> Result<Claimed> {
    must_review(staff)?;
    let claim_token = format!("{DIRECT_CLAIM}{}", crate::domain::ids::secret_token());
    let token_hash = claim_hash(deps, &claim_token);
    let message_id = format!("{DIRECT_CLAIM}{}", FlowId::generate());
    for _ in 0..MAX_RACES {
        let current = deps.flows::<Case>().load(case_id).await?.ok_or(Error::NotFound)?;
        let now = deps.clock().now();
        let lease_until = now + LEASE;
        let event = CaseEvent::Claim {
            reviewer: &staff.username,
            message_id: &message_id,
            token_hash: &token_hash,
            lease_until,
        };
        let next = current.flow.clone().apply(event, now).map_err(claim_refusal)?;
        let entry = audit(staff, "claim", case_id, Some("picked from the list".into()), now);
        if deps.cases().transition_audited(&current, &next, &entry).await? {
            let case = Versioned { id: current.id, version: current.version + 1, flow: next };
            return Ok(Claimed { claim_token, lease_until, case });
        }
    }
    Err(Error::busy("claim a case", "too many concurrent writes"))
}

/// Whether a claim token is of a claim taken by the case's id (no queue message holds it).
fn direct(claim_token: &str) -> bool {
    claim_token.starts_with(DIRECT_CLAIM)
}

/// The claim token's keyed hash (the token itself, a receipt handle, is never stored).
fn claim_hash(deps: &impl HasKeys, claim_token: &str) -> String {
    deps.keys().keyed_hash("claim-token", claim_token)
}

fn claim_refusal(refusal: CaseRefusal) -> Error {
    match refusal {
        CaseRefusal::Closed => Error::CaseClosed,
        CaseRefusal::ClaimedByOther => Error::CaseClaimed,
        CaseRefusal::AwaitingCustomer => Error::CaseAwaitingCustomer,
        CaseRefusal::MaterialNotRequestable(why) => Error::invalid("material", why),
        CaseRefusal::NotClaimHolder | CaseRefusal::NothingDue | CaseRefusal::NotAwaitingCustomer => Error::ClaimNotHeld,
    }
}

/// Moves a claimed case on by its holder (`event` says how), with the audit entry, after
/// `queue_step` (the lease's change on the queue) succeeded. Refused unless the caller holds the
/// claim with this token while its lease lasts.
async fn holder_step<'e>(
    deps: &(impl HasClock + HasFlows + HasCases),
    staff: &Staff,
    case_id: &FlowId,
    action: &str,
    event: impl Fn() -> CaseEvent<'e>,
    queue_step: impl std::future::Future<Output = Result<bool>>,
) -> Result<Versioned<Case>> {
    let mut current = deps.flows::<Case>().load(case_id).await?.ok_or(Error::NotFound)?;
    let now = deps.clock().now();
    current.flow.clone().apply(event(), now).map_err(claim_refusal)?;
    if !queue_step.await? {
        return Err(Error::ClaimNotHeld);
    }
    for _ in 0..MAX_RACES {
        let next = current.flow.clone().apply(event(), now).map_err(claim_refusal)?;
        if deps.cases().transition_audited(&current, &next, &audit(staff, action, case_id, None, now)).await? {
            return Ok(Versioned { id: current.id, version: current.version + 1, flow: next });
        }
        current = deps.flows::<Case>().load(case_id).await?.ok_or(Error::NotFound)?;
    }
    Err(Error::busy("move a claimed case", "too many concurrent writes"))
}

/// Extends the claim's lease by [`LEASE`] from now.
pub async fn extend_lease(
    deps: &(impl HasClock + HasKeys + HasFlows + HasReviewQueue + HasCases),
    staff: &Staff,
    case_id: &FlowId,
    claim_token: &str,
) -> Result<DateTime<Utc>> {
    must_review(staff)?;
    let token_hash = claim_hash(deps, claim_token);
    let until = deps.clock().now() + LEASE;
    let event = || CaseEvent::Extend { reviewer: &staff.username, token_hash: &token_hash, lease_until: until };
    let queue_step = async {
        match direct(claim_token) {
            true => Ok(true),
            false => deps.review_queue().extend(claim_token, LEASE).await,
        }
    };
    holder_step(deps, staff, case_id, "extend_lease", event, queue_step).await?;
    Ok(until)
}

/// Gives the case back to the queue at once: it waits again, for anyone to claim.
pub async fn release(
    deps: &(impl HasClock + HasKeys + HasFlows + HasReviewQueue + HasCases),
    staff: &Staff,
    case_id: &FlowId,
    claim_token: &str,
) -> Result<()> {
    must_review(staff)?;
    let token_hash = claim_hash(deps, claim_token);
    let event = || CaseEvent::Release { reviewer: &staff.username, token_hash: &token_hash };
    let queue_step = async {
        match direct(claim_token) {
            true => Ok(true),
            false => deps.review_queue().extend(claim_token, Duration::zero()).await,
        }
    };
    let released = holder_step(deps, staff, case_id, "release", event, queue_step).await?;
    if direct(claim_token) {
        // No message of its own came back: one is sent, so that the case waits on the queue now.
        super::cases::dispatch(deps, released).await?;
    }
    Ok(())
}

/// A file of a case as a reviewer sees it.
pub struct MaterialView {
    pub purpose: UploadPurpose,
    pub url: String,
    pub content_type: &'static str,
    pub size: Option<u64>,
}

/// What a reviewer sees of a case beside the case itself: its material as short-lived URLs, and
/// what the account has proven so far (the subject the material is compared with).
pub struct CaseView {
    pub material: Vec<MaterialView>,
    pub verified: VerifiedSubject,
}

/// The account's verified subject today.
pub enum VerifiedSubject {
    Person(Box<crate::domain::kyc::PersonalIdentity>),
    Enterprise(Box<crate::domain::enterprise::EnterpriseIdentity>),
    /// Not verified (or the account is gone).
    None,
}

/// A case with short-lived URLs of its material and the account's verified subject (the view is
/// audited).
pub async fn read_case(
    deps: &(impl HasClock + HasFlows + HasUploadLinks + HasCases + HasAccounts),
    staff: &Staff,
    case_id: &FlowId,
) -> Result<(Versioned<Case>, CaseView)> {
    must_review(staff)?;
    let case = deps.flows::<Case>().load(case_id).await?.ok_or(Error::NotFound)?;
    let view = view(deps, staff, &case, sees_in_full(staff, &case.flow)).await?;
    Ok((case, view))
}

/// Whether `staff` sees a case in full (what it asks, its material, the account's verified
/// subject, its checklist): the claim's holder and leads; other reviewers its summary.
pub fn sees_in_full(staff: &Staff, case: &Case) -> bool {
    staff.leads() || case.claimed_by(&staff.username)
}

/// Short-lived URLs of a case's material and, `with_subject`, the account's verified subject, for
/// `staff` (audited as a view; the account is read while the audit entry is written).
pub async fn view(
    deps: &(impl HasClock + HasUploadLinks + HasCases + HasAccounts),
    staff: &Staff,
    case: &Versioned<Case>,
    with_subject: bool,
) -> Result<CaseView> {
    let now = deps.clock().now();
    let ttl = Duration::seconds(i64::try_from(VIEW_URL_TTL_SECS).unwrap_or(300));
    let mut material = vec![];
    for m in &case.flow.material {
        let url = deps.upload_links().presign_get(&m.object, now, ttl).await?;
        material.push(MaterialView { purpose: m.purpose, url, content_type: m.image.content_type(), size: m.size });
    }
    let entry = audit(staff, "view", &case.id, None, now);
    let account = async {
        match with_subject {
            true => deps.accounts().account(&case.flow.account_id).await,
            false => Ok(None),
        }
    };
    let (account, ()) = futures::try_join!(account, deps.cases().audit(&entry))?;
    let verified = match account {
        Some(AccountRecord { enterprise: Some(e), .. }) => VerifiedSubject::Enterprise(Box::new(e)),
        Some(AccountRecord { personal: Some(p), .. }) => VerifiedSubject::Person(Box::new(p)),
        _ => VerifiedSubject::None,
    };
    Ok(CaseView { material, verified })
}

/// The audit trail of a case (leads only).
pub async fn audit_trail(deps: &impl HasCases, staff: &Staff, case_id: &FlowId) -> Result<Vec<AuditEntry>> {
    if !staff.leads() {
        return Err(Error::StaffRoleRequired);
    }
    deps.cases().audit_trail(case_id).await
}

fn effect_of(case: &Case, now: DateTime<Utc>) -> Result<CaseEffect> {
    Ok(match &case.request {
        CaseRequest::PhoneRebind { new_phone, old_phone_hash } => CaseEffect::RebindPhone {
            account: case.account_id.clone(),
            old_hash: old_phone_hash.clone(),
            new: new_phone.clone(),
            cap: MAX_CLOUD_ACCOUNTS_PER_PHONE,
        },
        CaseRequest::MfaUnbind { credential, device } => CaseEffect::UnbindTotp {
            credential: credential.parse().map_err(|e| Error::internal("a case's credential", e))?,
            device: device.clone(),
        },
        CaseRequest::IdentityMismatch { identity } => CaseEffect::VerifyPerson {
            account: case.account_id.clone(),
            identity: identity.clone(),
            cap: MAX_ACCOUNTS_PER_DOCUMENT,
        },
        CaseRequest::EnterpriseRename { uscc, new_name, .. } => CaseEffect::RenameEnterprise {
            account: case.account_id.clone(),
            uscc: uscc.clone(),
            new_name: new_name.clone(),
            now,
        },
        CaseRequest::EnterpriseSubject { .. } => {
            return Err(Error::internal("a case's effect", "a change of organisation moves its change"))
        }
        CaseRequest::Enterprise { identity, .. } => {
            CaseEffect::VerifyEnterprise { account: case.account_id.clone(), identity: (**identity).clone() }
        }
    })
}

/// What approving changes on the account: an enterprise application that completes a change
/// replaces the account's subject and completes the change (refused when the change ended
/// meanwhile) [CHG-3, CHG-4]; a change of organisation nothing yet (the change itself moves on to
/// wait for the new subject, as the flow the case decides) [CHG-3]; else the request's own effect.
async fn approval_effect(
    deps: &(impl HasFlows + HasAccounts),
    case: &Case,
    now: DateTime<Utc>,
) -> Result<Option<CaseEffect>> {
    let blocked = || Error::DecisionBlocked { kind: case.kind().as_str() };
    let (change_id, identity) = match &case.request {
        CaseRequest::EnterpriseSubject { .. } => return Ok(None),
        CaseRequest::PhoneRebind { new_phone, old_phone_hash } => {
            let account = deps.accounts().account(&case.account_id).await?.ok_or(Error::NotFound)?;
            if account.kind != crate::domain::account::AccountKind::Passport {
                return effect_of(case, now).map(Some);
            }
            // A passport account's phone is also its sign-in: the phones' sign-ins move as in its
            // own phone change, read now [ACC-4, REG-3].
            let mine = Some(&case.account_id);
            let how = crate::ports::PassportRebind {
                leaves_sign_in: deps.accounts().passport_of(old_phone_hash).await?.as_ref() == mine,
                takes_sign_in: deps.accounts().passport_of(&new_phone.hash).await?.is_none(),
                cap: crate::domain::account::MAX_PASSPORT_ACCOUNTS_PER_PHONE,
            };
            return Ok(Some(CaseEffect::RebindPassportPhone {
                account: case.account_id.clone(),
                old_hash: old_phone_hash.clone(),
                new: new_phone.clone(),
                how,
            }));
        }
        CaseRequest::Enterprise { application, identity, .. } => {
            let application = deps.flows::<EnterpriseApplication>().load(application).await?;
            match application.and_then(|a| a.flow.change) {
                Some(change) => (change, identity),
                None => return effect_of(case, now).map(Some),
            }
        }
        _ => return effect_of(case, now).map(Some),
    };
    let change = deps.flows::<SubjectChange>().load(&change_id).await?.ok_or_else(blocked)?;
    let next = change
        .flow
        .clone()
        .apply(ChangeEvent::EnterpriseVerified { to: identity.name.clone() }, now)
        .map_err(|_| blocked())?;
    let account = deps.accounts().account(&case.account_id).await?.ok_or(Error::NotFound)?;
    let replaced = super::enterprise::replaced_subject(&account).map_err(|_| blocked())?;
    Ok(Some(CaseEffect::Replace {
        account: case.account_id.clone(),
        identity: (**identity).clone(),
        replaced,
        change: Box::new((change, next)),
    }))
}

/// What a reviewer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Reject,
    /// Ask the customer to send some of the case's files again.
    RequestMaterial,
}

/// Parses a reviewer's decision: a rejection, and a request for new material, need a reason
/// (shown to the customer); a request names the files to send again, and only a request does.
pub fn decision(verdict: Verdict, reason: Option<String>, material: Vec<UploadPurpose>) -> Result<Decision> {
    if verdict != Verdict::RequestMaterial && !material.is_empty() {
        return Err(Error::invalid("material", "only a request for new material names files"));
    }
    if verdict == Verdict::Approve {
        return Ok(Decision::Approve);
    }
    let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()).ok_or(Error::ReasonRequired)?;
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(Error::invalid("reason", format!("at most {MAX_REASON_CHARS} characters")));
    }
    if verdict == Verdict::Reject {
        return Ok(Decision::Reject { reason });
    }
    let mut requested = material;
    requested.sort();
    requested.dedup();
    if requested.is_empty() {
        return Err(Error::invalid("material", "name the files to send again"));
    }
    Ok(Decision::RequestMaterial { requested, note: reason })
}

/// Applies the claim holder's decision once, with its effect; then ends the claim, signs the
/// account out where the effect asks for it, and tells the customer.
pub async fn decide(
    deps: &(impl HasClock + HasKeys + HasFlows + HasReviewQueue + HasCases + HasAccounts + HasSessions + HasOutbox),
    staff: &Staff,
    case_id: &FlowId,
    claim_token: &str,
    decision: &Decision,
) -> Result<Versioned<Case>> {
    must_review(staff)?;
    let token_hash = claim_hash(deps, claim_token);
    let mut current = deps.flows::<Case>().load(case_id).await?.ok_or(Error::NotFound)?;
    for _ in 0..MAX_RACES {
        let now = deps.clock().now();
        let event = CaseEvent::Decide { reviewer: &staff.username, token_hash: &token_hash, decision };
        let next = current.flow.clone().apply(event, now).map_err(claim_refusal)?;
        let (effect, outcome, action, detail) = match decision {
            Decision::Approve => (approval_effect(deps, &next, now).await?, ReviewOutcome::Approved, "approve", None),
            Decision::Reject { reason } => (None, ReviewOutcome::Rejected, "reject", Some(reason.clone())),
            Decision::RequestMaterial { note, .. } => {
                // Not an end: the case stays open (its guard too), waiting on its customer.
                let entry = audit(staff, "request_material", case_id, Some(note.clone()), now);
                if deps.cases().transition_audited(&current, &next, &entry).await? {
                    let asked = Versioned { id: current.id, version: current.version + 1, flow: next };
                    after_decision(deps, &asked, claim_token).await;
                    return Ok(asked);
                }
                current = deps.flows::<Case>().load(case_id).await?.ok_or(Error::NotFound)?;
                continue;
            }
        };
        let decides = super::cases::decided_flow(deps, case_id, &next, outcome, now).await?;
        if outcome == ReviewOutcome::Approved && effect.is_none() && decides.is_none() {
            // An approval that would change nothing: the change it decides ended meanwhile.
            return Err(Error::DecisionBlocked { kind: next.kind().as_str() });
        }
        let entry = audit(staff, action, case_id, detail, now);
        match deps.cases().decide(&current, &next, &entry, effect.as_ref(), decides.as_ref()).await? {
            DecisionOutcome::Applied => {
                let decided = Versioned { id: current.id, version: current.version + 1, flow: next };
                after_decision(deps, &decided, claim_token).await;
                return Ok(decided);
            }
            DecisionOutcome::EffectRefused => return Err(Error::DecisionBlocked { kind: next.kind().as_str() }),
            DecisionOutcome::Stale => {
                current = deps.flows::<Case>().load(case_id).await?.ok_or(Error::NotFound)?;
            }
        }
    }
    Err(Error::busy("decide a case", "too many concurrent writes"))
}

/// What follows a decision outside its transaction; each step is safe to repeat and a failure is
/// logged (the decision stands): the message is removed (else it returns and is dropped when
/// received), sessions are signed out after a phone rebind, the customer is told.
async fn after_decision(
    deps: &(impl HasKeys + HasReviewQueue + HasAccounts + HasSessions + HasOutbox),
    case: &Versioned<Case>,
    claim_token: &str,
) {
    if direct(claim_token) {
        // No message held: the case's own is dropped when next received.
    } else if let Err(fault) = deps.review_queue().remove(claim_token).await {
        tracing::warn!(case_id = %case.id, error = %fault, "the decided case's message stays until received again");
    }
    let approved = matches!(case.flow.state, CaseState::Approved { .. });
    if approved && case.flow.kind() == CaseKind::PhoneRebind {
        if let Err(fault) = sign_out_everywhere(deps, &case.flow.account_id).await {
            tracing::error!(case_id = %case.id, error = %fault, "signing out after a phone rebind failed");
        }
    }
    if let Err(fault) = notify(deps, case).await {
        tracing::error!(case_id = %case.id, error = %fault, "the decision's notification was not queued");
    }
}

/// Every session of the account ends (its credential's generation moves with the account's).
async fn sign_out_everywhere(deps: &(impl HasAccounts + HasSessions), account_id: &AccountId) -> Result<()> {
    let account = deps.accounts().account(account_id).await?.ok_or(Error::NotFound)?;
    let credential = account.credential(&account.username.to_ascii_lowercase());
    deps.sessions().revoke_all(account_id, &credential).await
}

fn what(kind: CaseKind) -> &'static str {
    match kind {
        CaseKind::PhoneRebind => "Your appeal to rebind your phone",
        CaseKind::MfaUnbind => "Your appeal to unbind your virtual MFA device",
        CaseKind::IdentityMismatch => "Your real-name support case",
        CaseKind::EnterpriseVerification => "Your enterprise real-name verification",
        CaseKind::EnterpriseRename => "Your change of the organisation's name",
        CaseKind::EnterpriseSubjectChange => {
            "Your change of the account's organisation (the new organisation verifies within 9 days)"
        }
    }
}

/// Tells the customer the outcome, or what new material to send, by SMS: to the account's phone
/// (after a rebind, the new one); a rebind not approved to the new phone the appeal proved (the
/// bound one is the unusable one).
pub(crate) async fn notify(deps: &(impl HasKeys + HasAccounts + HasOutbox), case: &Versioned<Case>) -> Result<()> {
    let approved = matches!(case.flow.state, CaseState::Approved { .. });
    let phone = match &case.flow.request {
        CaseRequest::PhoneRebind { new_phone, .. } if !approved => {
            let e164 = deps.keys().decrypt(&new_phone.encrypted)?;
            crate::domain::phone::Phone::parse(&e164).map_err(|e| Error::internal("a case's phone", e))?
        }
        _ => super::codes::account_phone(deps, &case.flow.account_id).await?,
    };
    let (what, id) = (what(case.flow.kind()), &case.id);
    let text = match (case.flow.rejection_reason(), case.flow.material_request()) {
        (_, Some(asked)) => {
            let files: Vec<&str> = asked.requested.iter().map(|p| p.label()).collect();
            let by = crate::domain::calendar::to_cst(asked.until).format("%Y-%m-%d %H:%M");
            format!(
                "[Cloud] {what} (case {id}) needs new material: {}. {} Send it by {by} (Beijing time), or the case is closed.",
                files.join(", "),
                asked.note
            )
        }
        (None, None) => format!("[Cloud] {what} (case {id}) was approved."),
        (Some(reason), None) => format!("[Cloud] {what} (case {id}) was not approved: {reason}"),
    };
    let message = OutboxMessage::Sms {
        // One message per step of the case (a case may ask for material twice).
        id: format!("case-{}-{}-{}", case.id, case.flow.state.name(), case.flow.history.len()),
        to: Redacted::new(phone.as_e164().to_owned()),
        text: Redacted::new(text),
    };
    super::delivery::enqueue(deps, &message).await
}

/// The sweeper's part of a request for new material: a case whose customer sent nothing by its
/// time is rejected (its guard released and the flow it decides ended in the same transaction,
/// audited as the system's), and the customer told. Safe to run twice.
pub async fn material_not_received(
    deps: &(impl HasClock + HasKeys + HasFlows + HasCases + HasAccounts + HasOutbox),
    mut current: Versioned<Case>,
) -> Result<()> {
    let now = deps.clock().now();
    for _ in 0..MAX_RACES {
        if current.flow.material_request().is_none() {
            return Ok(());
        }
        let Ok(next) = current.flow.clone().apply(CaseEvent::Sweep, now) else { return Ok(()) };
        let decides = super::cases::decided_flow(deps, &current.id, &next, ReviewOutcome::Rejected, now).await?;
        let entry = AuditEntry {
            at: now,
            staff: "system".into(),
            action: "material_not_received".into(),
            case_id: current.id.clone(),
            detail: None,
        };
        if deps.cases().decide(&current, &next, &entry, None, decides.as_ref()).await? == DecisionOutcome::Applied {
            let closed = Versioned { id: current.id, version: current.version + 1, flow: next };
            if let Err(fault) = notify(deps, &closed).await {
                tracing::error!(case_id = %closed.id, error = %fault, "the closure's notification was not queued");
            }
            return Ok(());
        }
        current = deps.flows::<Case>().load(&current.id).await?.ok_or(Error::NotFound)?;
    }
    Err(Error::busy("close a case", "too many concurrent writes"))
}

// ---- the lead's side ----------------------------------------------------------------------------

fn must_lead(staff: &Staff) -> Result<()> {
    if staff.leads() {
        Ok(())
    } else {
        Err(Error::StaffRoleRequired)
    }
}

/// A lead takes a claim from its holder: the case waits again and is put on the queue at once
/// (another reviewer may claim it now; the holder's claim token no longer extends or decides).
/// Audited. A case not in review is refused (`CLAIM_NOT_HELD`: nobody holds it), a decided one
/// `CASE_CLOSED`.
pub async fn lead_release(
    deps: &(impl HasClock + HasFlows + HasCases + HasReviewQueue),
    staff: &Staff,
    case_id: &FlowId,
) -> Result<Versioned<Case>> {
    must_lead(staff)?;
    let now = deps.clock().now();
    let event = || CaseEvent::LeadRelease { lead: &staff.username };
    for _ in 0..MAX_RACES {
        let current = deps.flows::<Case>().load(case_id).await?.ok_or(Error::NotFound)?;
        let next = current.flow.clone().apply(event(), now).map_err(claim_refusal)?;
        if deps.cases().transition_audited(&current, &next, &audit(staff, "lead_release", case_id, None, now)).await? {
            let released = Versioned { id: current.id, version: current.version + 1, flow: next };
            return super::cases::dispatch(deps, released).await;
        }
    }
    Err(Error::busy("release a claim", "too many concurrent writes"))
}

/// A kind's figures for a lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindFigures {
    pub kind: CaseKind,
    pub open: u32,
    pub in_review: u32,
    pub due_soon: u32,
    pub overdue: u32,
    /// Decided (approved or rejected) in the last 7 days.
    pub decided: u32,
    /// The median time from submission to decision of those, in minutes.
    pub median_minutes_to_decision: Option<i64>,
}

/// How many open cases the figures count at most (the rest are said to be more).
pub const FIGURES_OPEN_LIMIT: usize = 5_000;
/// How many decisions of a day the figures read at most.
const FIGURES_DAY_LIMIT: usize = 5_000;

/// The review figures per kind (leads only): open cases (in review, due soon, overdue) from the
/// open-case index, and the decisions of the last 7 days from the decided-by-day index (8 day
/// partitions read at once). `Ok((figures, complete))`: `complete` is false when more open cases
/// exist than [`FIGURES_OPEN_LIMIT`].
pub async fn figures(deps: &(impl HasClock + HasCases), staff: &Staff) -> Result<(Vec<KindFigures>, bool)> {
    must_lead(staff)?;
    let now = deps.clock().now();
    let mut figures: Vec<KindFigures> = CaseKind::ALL
        .iter()
        .map(|kind| KindFigures {
            kind: *kind,
            open: 0,
            in_review: 0,
            due_soon: 0,
            overdue: 0,
            decided: 0,
            median_minutes_to_decision: None,
        })
        .collect();
    let (open, complete) = all_open(deps).await?;
    for case in &open {
        let Some(f) = figures.iter_mut().find(|f| f.kind == case.flow.kind()) else { continue };
        f.open += 1;
        f.in_review += u32::from(matches!(case.flow.state, CaseState::InReview { .. }));
        f.due_soon += u32::from(case.flow.due_soon(now));
        f.overdue += u32::from(case.flow.is_overdue(now));
    }
    let since = now - Duration::days(7);
    let days = (0..=7).map(|back| (now - Duration::days(back)).date_naive());
    let decided =
        futures::future::try_join_all(days.map(|day| deps.cases().decided_on(day, FIGURES_DAY_LIMIT))).await?;
    // A day with more decisions than were read leaves the figures incomplete too.
    let complete = complete && decided.iter().all(|day| day.len() < FIGURES_DAY_LIMIT);
    for f in &mut figures {
        let mut minutes: Vec<i64> = decided
            .iter()
            .flatten()
            .filter(|c| c.flow.kind() == f.kind)
            .filter_map(|c| {
                c.flow.decided_at().filter(|at| *at >= since).map(|at| (at - c.flow.submitted_at).num_minutes())
            })
            .collect();
        minutes.sort_unstable();
        f.decided = u32::try_from(minutes.len()).unwrap_or(u32::MAX);
        f.median_minutes_to_decision = median(&minutes);
    }
    Ok((figures, complete))
}

/// The median of sorted values (the mean of the middle two for an even count).
fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

#[cfg(test)]
mod figures_tests {
    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(super::median(&[]), None);
        assert_eq!(super::median(&[7]), Some(7));
        assert_eq!(super::median(&[1, 3, 10]), Some(3));
        assert_eq!(super::median(&[1, 3, 5, 100]), Some(4));
    }
}
