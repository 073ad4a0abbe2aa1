//! `POST /v1/subject-changes`: starts a change of the verified subject [CHG-1..CHG-5]. A name
//! change the registry confirms completes at once.

use super::change_body;
use crate::api::{json_response, ApiResult};
use crate::cases::MaterialBody;
use crate::enterprise::PersonBody;
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::agreements::AgreementRef;
use shared::domain::change::{ChangeKind, NewSubject};
use shared::domain::enterprise::{OrgType, Uscc};
use shared::usecases::change::{start_change, started_view, StartChange};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartChangeBody {
    kind: ChangeKind,
    /// `subject-change-application-agreement` (and for a name change also
    /// `subject-change-acceptance-agreement`).
    agreements: Vec<AgreementRef>,
    /// A name change: the new registered name.
    #[serde(default)]
    new_name: Option<String>,
    /// A name change: `org-certificate` (the new licence), and optionally
    /// `registration-change-certificate` or `change-form`.
    #[serde(default)]
    material: Option<MaterialBody>,
    /// A change of organisation: the new organisation (`organisation_type`, `name`, `uscc`), the
    /// reason, and the original subject's contact who passes the face check.
    #[serde(default)]
    new_subject: Option<NewSubjectBody>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    contact: Option<PersonBody>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubjectBody {
    organisation_type: OrgType,
    name: String,
    uscc: Uscc,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(body): Json<StartChangeBody>) -> ApiResult {
    let request = StartChange {
        kind: body.kind,
        agreements: body.agreements,
        new_name: body.new_name,
        material: body.material.map(|m| m.0).unwrap_or_default(),
        new_subject: body.new_subject.map(|n| NewSubject { org_type: n.organisation_type, name: n.name, uscc: n.uscc }),
        reason: body.reason,
        contact: body.contact.map(|c| c.person("contact")).transpose()?.map(|p| (p.name, p.document)),
    };
    let started = start_change(&state.services, &principal, request).await?;
    let view = started_view(&state.services, &principal, started).await?;
    Ok(json_response(StatusCode::CREATED, &change_body(&view)))
}
