//! Deleting an account [DEL-1..DEL-3]: the condition check (with the deletion agreement), then
//! the second confirmation under operation protection, which checks again and deletes in one
//! transaction; the erasure of the rest follows in the expiry worker (queued at once; the sweeper
//! takes it up at its deadline if it was not).

use super::deps::{
    HasAccounts, HasCases, HasChanges, HasClock, HasDeletions, HasEnterprise, HasExpiryQueue, HasFlows, HasKeys,
    HasResources, HasSecurity, HasUploadErasure,
};
use super::factors::{record_of, require_step_up};
use crate::domain::agreements::AgreementRef;
use crate::domain::change::ChangeState;
use crate::domain::deletion::{
    AccountDeletion, Condition, Confirm, EndedBy, Erased, Erasure, OpenWork, Report, Standing, WorkKind,
    CONFIRMATION_WINDOW, DELETION_AGREEMENT,
};
use crate::domain::enterprise::application::ApplicationState;
use crate::domain::flow::{Flow, FlowKind, Versioned};
use crate::domain::ids::{AccountId, FlowId};
use crate::domain::redacted::Redacted;
use crate::domain::session::Principal;
use crate::error::{Error, Result};
use crate::ports::{AccountRecord, DeleteOutcome, Deletion, DueFlow, PageRequest};
use chrono::{DateTime, Utc};

/// How many of each kind of an account's cases, applications and changes the check reads (the
/// newest: what is still in progress is among them).
const LISTED: i32 = 50;
const LISTED_CASES: usize = 50;

/// The keyed-hash domain of confirmation tokens.
const TOKEN_DOMAIN: &str = "deletion-confirmation";

/// The check's answer: every condition, the work in progress (each with what to do now
/// [LIFE-2]), and when none blocks, the confirmation it opens.
#[derive(Debug)]
pub struct Checked {
    pub report: Report,
    pub open_work: Vec<OpenWork>,
    pub confirmation: Option<Confirmation>,
}

#[derive(Debug)]
pub struct Confirmation {
    pub deletion_id: FlowId,
    pub token: Redacted<String>,
    pub expires_at: DateTime<Utc>,
}

/// The check [DEL-1], after the deletion agreement is accepted [DEL-2].
pub async fn check(
    deps: &(impl HasClock + HasKeys + HasAccounts + HasResources + HasCases + HasEnterprise + HasChanges + HasFlows),
    principal: &Principal,
    agreements: &[AgreementRef],
) -> Result<Checked> {
    super::change::require(agreements, DELETION_AGREEMENT)?;
    let (report, _, open_work) = judge(deps, &principal.account_id).await?;
    if !report.passed() {
        return Ok(Checked { report, open_work, confirmation: None });
    }
    let now = deps.clock().now();
    let token = crate::domain::ids::secret_token();
    let deletion = AccountDeletion {
        account_id: principal.account_id.clone(),
        session_id: principal.session_id.clone(),
        token_hash: deps.keys().keyed_hash(TOKEN_DOMAIN, &token),
        checked_at: now,
        confirmed_at: None,
    };
    let deletion_id = FlowId::generate();
    deps.flows::<AccountDeletion>().create(&deletion_id, &deletion).await?;
    let confirmation = Confirmation { deletion_id, token: Redacted::new(token), expires_at: now + CONFIRMATION_WINDOW };
    Ok(Checked { report, open_work, confirmation: Some(confirmation) })
}

/// The account is gone.
#[derive(Debug)]
pub struct Deleted {
    pub account_id: AccountId,
    pub deleted_at: DateTime<Utc>,
}

/// The second confirmation [DEL-2, DEL-3]: the token of a passed check (this session's, within
/// 10 minutes, once), operation protection where on, the check again (state may have changed),
/// each forfeit acknowledged; then the one transaction, and the erasure.
#[allow(clippy::too_many_arguments)]
pub async fn confirm(
    deps: &(impl HasClock
          + HasKeys
          + HasAccounts
          + HasSecurity
          + HasResources
          + HasCases
          + HasEnterprise
          + HasChanges
          + HasFlows
          + HasDeletions
          + HasExpiryQueue),
    principal: &Principal,
    deletion_id: &FlowId,
    token: &str,
    acknowledged: &[Condition],
) -> Result<Deleted> {
    let record = record_of(deps, principal).await?;
    require_step_up(deps, principal, &record)?;
    let now = deps.clock().now();
    let token_hash = deps.keys().keyed_hash(TOKEN_DOMAIN, token);
    let current = deps
        .flows::<AccountDeletion>()
        .load(deletion_id)
        .await?
        .filter(|d| d.flow.account_id == principal.account_id)
        .ok_or(Error::DeletionConfirmationInvalid)?;
    let next = current
        .flow
        .clone()
        .apply(Confirm { session: &principal.session_id, token_hash: &token_hash }, now)
        .map_err(|_| Error::DeletionConfirmationInvalid)?;
    let (report, account, open_work) = judge(deps, &principal.account_id).await?;
    let blocking: Vec<&'static str> = report.blocking().map(Condition::as_str).collect();
    if !blocking.is_empty() {
        return Err(Error::DeletionBlocked { conditions: blocking, open_work });
    }
    let forfeits: Vec<&'static str> = report.unacknowledged(acknowledged).into_iter().map(Condition::as_str).collect();
    if !forfeits.is_empty() {
        return Err(Error::ForfeitsNotAcknowledged { forfeits });
    }
    let erasure = Erasure {
        account_id: account.account_id.clone(),
        kind: account.kind,
        deleted_at: now,
        credential: Some(principal.credential.clone()),
        ledger_entries: account.ledger_entries.clone(),
        finished_at: None,
        erased_items: 0,
        erased_files: 0,
    };
    let deletion = Deletion {
        confirmation: (&current, &next),
        account: &account,
        credential: &principal.credential,
        erasure_id: deletion_id,
        erasure: &erasure,
    };
    match deps.deletions().delete(&deletion).await? {
        DeleteOutcome::Deleted => {}
        DeleteOutcome::ConfirmationUsed => return Err(Error::DeletionConfirmationInvalid),
        DeleteOutcome::AlreadyDeleted => return Err(Error::Unauthenticated),
        DeleteOutcome::Changed => return Err(Error::DeletionStateChanged),
    }
    // The account is deleted (its sessions ended in the same transaction); its sub-users'
    // sessions end now too. What remains is erased by the expiry worker, at once through the
    // queue, or by the sweeper at the erasure's deadline if the message is not sent. Not here:
    // the erasure's work grows with the account (cases, files), and this function then links
    // neither S3 nor the erasure.
    if let Err(e) = deps.deletions().end_sub_user_sessions(&principal.account_id).await {
        tracing::warn!(error = %e, "sub-users' sessions left to the erasure");
    }
    let due = DueFlow { kind: FlowKind::Erasure, id: deletion_id.clone() };
    if let Err(e) = deps.expiry_queue().send_all(&[due]).await {
        tracing::warn!(error = %e, "erasure left to the sweeper");
    }
    Ok(Deleted { account_id: principal.account_id.clone(), deleted_at: now })
}

/// Erases what remains of a deleted account (the expiry worker's call: queued by the
/// confirmation, or by the sweeper for an erasure past its deadline): files, then items, then the
/// record marked done. Safe to run twice.
pub async fn erase(
    deps: &(impl HasClock + HasFlows + HasDeletions + HasUploadErasure),
    erasure_id: &FlowId,
) -> Result<()> {
    let Some(recorded) = deps.flows::<Erasure>().load(erasure_id).await? else { return Ok(()) };
    erase_recorded(deps, recorded).await
}

async fn erase_recorded(
    deps: &(impl HasClock + HasDeletions + HasUploadErasure),
    recorded: Versioned<Erasure>,
) -> Result<()> {
    let erasure = &recorded.flow;
    if erasure.finished_at.is_some() {
        return Ok(());
    }
    let cases = deps.deletions().cases_of_deleted(&erasure.account_id, erasure.deleted_at).await?;
    let files = deps.upload_erasure().erase(&erasure.account_id, &cases).await?;
    let items = deps.deletions().erase_remains(erasure).await?;
    let now = deps.clock().now();
    // Refused only when another run finished it first.
    if let Ok(next) = recorded.flow.clone().apply(Erased { items, files }, now) {
        deps.deletions().finish(&recorded, &next).await?;
    }
    Ok(())
}

/// The check's conditions on what the platform reports and what this service holds, with the
/// work in progress: open cases, applications and changes (past its deadline a flow is over, the
/// sweeper only records it; one in review is listed once, by the application or change its case
/// decides).
async fn judge(
    deps: &(impl HasClock + HasAccounts + HasResources + HasCases + HasEnterprise + HasChanges),
    account_id: &AccountId,
) -> Result<(Report, AccountRecord, Vec<OpenWork>)> {
    // The account first: work opened after this read moves its count, which the deletion's
    // transaction holds over, so the listings below miss nothing that could slip through.
    let account = deps.accounts().account(account_id).await?;
    let first_cases = PageRequest::first(LISTED_CASES);
    let (platform, cases, applications, changes) = futures::try_join!(
        deps.resources().standing(account_id),
        deps.cases().cases_of(account_id, &first_cases),
        deps.enterprise().applications_of(account_id, LISTED),
        deps.changes().changes_of(account_id, LISTED),
    )?;
    let account = account.ok_or(Error::Unauthenticated)?;
    let cases = cases.items;
    let now = deps.clock().now();
    let due_of = |case_id: &FlowId| cases.iter().find(|c| c.id == *case_id).map(|c| c.flow.due_at);
    let mut open = vec![];
    let mut listed_cases = vec![];
    for a in applications.iter().filter(|a| a.flow.open_at(now)) {
        let (ends_by, ended_by) = match &a.flow.state {
            ApplicationState::InReview { case_id } => {
                listed_cases.push(case_id.clone());
                (due_of(case_id), EndedBy::Reviewer)
            }
            _ => (a.flow.user_deadline().or_else(|| a.flow.deadline()), EndedBy::Deadline),
        };
        open.push(OpenWork {
            kind: WorkKind::EnterpriseApplication,
            id: a.id.to_string(),
            state: super::enterprise::state_name(&a.flow.state).into(),
            ends_by: ends_by.unwrap_or_else(|| a.flow.expires_at()),
            ended_by,
            withdraw: a.flow.withdrawable().then(|| format!("/v1/enterprise/applications/{}/withdrawal", a.id)),
        });
    }
    for c in changes.iter().filter(|c| c.flow.open_at(now)) {
        let (ends_by, ended_by) = match &c.flow.state {
            ChangeState::InReview { case_id } => {
                listed_cases.push(case_id.clone());
                (due_of(case_id), EndedBy::Reviewer)
            }
            _ => (c.flow.submit_by(), EndedBy::Deadline),
        };
        open.push(OpenWork {
            kind: WorkKind::SubjectChange,
            id: c.id.to_string(),
            state: c.flow.state.name().into(),
            ends_by: ends_by.unwrap_or_else(|| c.flow.expires_at()),
            ended_by,
            withdraw: Some(format!("/v1/subject-changes/{}/withdrawal", c.id)),
        });
    }
    for c in cases.iter().filter(|c| c.flow.state.is_open() && !listed_cases.contains(&c.id)) {
        open.push(OpenWork {
            kind: WorkKind::Case,
            id: c.id.to_string(),
            state: c.flow.state.name().into(),
            ends_by: c.flow.due_at,
            ended_by: EndedBy::Reviewer,
            withdraw: Some(format!("/v1/cases/{}/withdrawal", c.id)),
        });
    }
    let open_work = u32::try_from(open.len()).unwrap_or(u32::MAX);
    let standing = Standing { platform, balance_fen: account.balance_fen, open_work };
    Ok((Report::of(&standing), account, open))
}
