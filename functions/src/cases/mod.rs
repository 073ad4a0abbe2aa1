//! Review cases, the customer's side: uploads, appeals and support cases, their progress, and
//! the letter templates to download [ACC-4, MFA-5, KYC-P7, KYC-E3].

pub mod appeals;
pub mod identity_case;
pub mod list;
pub mod signed_out;
pub mod start_upload;
pub mod templates;
pub mod withdraw;

use serde::Deserialize;
use serde_json::{json, Value};
use shared::domain::calendar::cst_text;
use shared::domain::case::{Actor, Case};
use shared::domain::flow::Versioned;
use shared::domain::upload::UploadPurpose;
use std::collections::BTreeMap;

/// The files a case names: purpose -> upload id (from `POST /v1/uploads`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct MaterialBody(pub BTreeMap<UploadPurpose, String>);

/// Who moved a case, as a viewer sees it: the customer never sees a reviewer's name.
pub(crate) fn history(case: &Case, staff_view: bool) -> Value {
    Value::Array(
        case.history
            .iter()
            .map(|t| {
                let by = match (&t.actor, staff_view) {
                    (Actor::Reviewer(_), false) => "reviewer".to_owned(),
                    (actor, _) => actor.shown(),
                };
                let mut entry = json!({ "at": t.at, "at_cst": cst_text(t.at), "by": by, "state": t.state });
                if let Some(reason) = &t.reason {
                    entry["reason"] = json!(reason);
                }
                entry
            })
            .collect(),
    )
}

/// A case as its customer sees it.
pub(crate) fn case_body(case: &Versioned<Case>, now: chrono::DateTime<chrono::Utc>) -> Value {
    let c = &case.flow;
    json!({
        "case_id": case.id,
        "kind": c.kind().as_str(),
        "state": c.state.name(),
        "subject": c.subject,
        "submitted_at": c.submitted_at,
        "due_at": c.due_at,
        "due_at_cst": cst_text(c.due_at),
        "overdue": c.is_overdue(now),
        "rejection_reason": c.rejection_reason(),
        "material": c.material.iter().map(|m| m.purpose.as_str()).collect::<Vec<_>>(),
        "history": history(c, false),
    })
}
