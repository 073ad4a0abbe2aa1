//! Deadlines: the scheduled sweeper finds flows whose sweep deadline passed (through the deadline
//! index, never a scan) and puts them on the expiry queue; the expiry worker applies what is due
//! with a conditional write, so a flow delivered twice changes once.

use super::cases::dispatch;
use super::deps::{
    HasAccounts, HasCases, HasClock, HasDeadlines, HasDeletions, HasExpiryQueue, HasFlows, HasKeys, HasOutbox,
    HasPayouts, HasReviewQueue, HasUploadErasure,
};
use super::flows::advance;
use crate::domain::case::{Case, CaseEvent};
use crate::domain::flow::{Flow, FlowKind};
use crate::error::Result;
use crate::ports::DueFlow;

/// The kinds of flow that have sweep deadlines.
pub const SWEPT: [FlowKind; 4] =
    [FlowKind::Case, FlowKind::EnterpriseApplication, FlowKind::SubjectChange, FlowKind::Erasure];
/// How many due flows one sweep sends at most (the next sweep takes the rest).
const SWEEP_BATCH: i32 = 500;

/// One sweep: how many due flows were put on the expiry queue.
pub async fn sweep(deps: &(impl HasClock + HasDeadlines + HasExpiryQueue)) -> Result<usize> {
    let now = deps.clock().now();
    let mut sent = 0;
    for kind in SWEPT {
        let due: Vec<DueFlow> =
            deps.deadlines().due(kind, now, SWEEP_BATCH).await?.into_iter().map(|id| DueFlow { kind, id }).collect();
        deps.expiry_queue().send_all(&due).await?;
        sent += due.len();
    }
    Ok(sent)
}

/// Applies what is due to one flow; a flow no longer due (already handled) is left alone.
pub async fn expire(
    deps: &(impl HasClock
          + HasKeys
          + HasFlows
          + HasReviewQueue
          + HasPayouts
          + HasDeletions
          + HasUploadErasure
          + HasCases
          + HasAccounts
          + HasOutbox),
    due: &DueFlow,
) -> Result<()> {
    use FlowKind as K;
    match due.kind {
        K::EnterpriseApplication => return super::enterprise::expire(deps, &due.id).await,
        K::Erasure => return super::deletion::erase(deps, &due.id).await,
        K::SubjectChange => return super::change::expire(deps, &due.id).await,
        K::Case => {}
        // Never swept (their time only ends them: a TTL, or the next read refuses them).
        K::SignIn
        | K::PhoneChange
        | K::PasswordReset
        | K::AccountLookup
        | K::TotpBinding
        | K::QrLogin
        | K::Captcha
        | K::FaceCheck
        | K::AccountDeletion
        | K::ThirdPartyAuthorization
        | K::SignedOutAppeal
        | K::PasskeyCeremony => {
            tracing::warn!(kind = due.kind.as_str(), "a due flow of a kind without expiry");
            return Ok(());
        }
    }
    let Some(mut case) = deps.flows::<Case>().load(&due.id).await? else { return Ok(()) };
    let now = deps.clock().now();
    if case.flow.deadline().is_none_or(|at| at > now) {
        return Ok(());
    }
    if case.flow.material_request().is_some() {
        // Its customer's time to send new material is up.
        return super::review::material_not_received(deps, case).await;
    }
    if case.flow.needs_dispatch(now) {
        case = dispatch(deps, case).await?;
    }
    // Refused when nothing is due (not yet, or already flagged): nothing to do.
    let _ = advance(deps.flows::<Case>(), case, || CaseEvent::Sweep, now).await?;
    Ok(())
}
