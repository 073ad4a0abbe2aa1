//! The face provider's signed result, for whichever flow its session serves: a personal
//! verification [KYC-P2], an enterprise application's face check [KYC-E4], or a subject change's
//! owner or new person [CHG-4, CHG-5]. Its own module so that verification by face (`kyc`) and
//! the flows that use it (`enterprise`, `change`) do not import each other.

use super::deps::{
    HasAccounts, HasChanges, HasClock, HasEnterprise, HasFace, HasFlows, HasKeys, HasKyc, HasPayouts, HasReviewQueue,
};
use crate::domain::flow::Flow;
use crate::domain::ids::FlowId;
use crate::domain::kyc::{FaceEvent, FaceFor, FaceRefusal, FaceVerification};
use crate::error::{Error, Result};
use serde::Deserialize;

/// The face provider's callback body (signed: `X-Signature`).
#[derive(Deserialize, schemars::JsonSchema)]
pub struct FaceCallback {
    verification_id: FlowId,
    provider_session_id: String,
    /// `pass` or `fail`.
    outcome: String,
}

/// The provider's signed result: the session moves, then the flow it serves. Idempotent for a
/// repeated pass.
pub async fn face_result(
    deps: &(impl HasClock
          + HasKeys
          + HasKyc
          + HasFace
          + HasFlows
          + HasEnterprise
          + HasReviewQueue
          + HasPayouts
          + HasAccounts
          + HasChanges),
    body: &[u8],
    signature: &str,
) -> Result<()> {
    if !deps.face().callback_is_authentic(body, signature) {
        return Err(Error::CallbackSignatureInvalid);
    }
    let callback: FaceCallback = serde_json::from_slice(body).map_err(|e| Error::invalid("body", e.to_string()))?;
    let current = deps.flows::<FaceVerification>().load(&callback.verification_id).await?.ok_or(Error::NotFound)?;
    if current.flow.provider_session_id != callback.provider_session_id {
        return Err(Error::NotFound);
    }
    let event = match callback.outcome.as_str() {
        "pass" => FaceEvent::Passed,
        "fail" => FaceEvent::Failed,
        other => return Err(Error::invalid("outcome", format!("`{other}` is not pass or fail"))),
    };
    let next = match current.flow.clone().apply(event, deps.clock().now()) {
        Err(FaceRefusal::Ended) => return Err(Error::FaceSessionEnded),
        Err(FaceRefusal::Expired) => return Err(Error::FaceSessionExpired),
        Ok(next) => next,
    };
    match current.flow.for_flow.clone() {
        Some(FaceFor::Enterprise(application)) => {
            super::enterprise::face_result(deps, &current, next, &application).await
        }
        Some(FaceFor::ChangeOwner(change)) => super::change::owner_face_result(deps, &current, next, &change).await,
        Some(FaceFor::ChangeNewPerson(change)) => {
            super::change::new_person_face_result(deps, &current, next, &change).await
        }
        None => super::kyc::personal_face_result(deps, &current, next).await,
    }
}
