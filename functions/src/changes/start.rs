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
use shared::domain::change::NewSubject;
use shared::domain::enterprise::{OrgType, Uscc};
use shared::usecases::change::{start_change, started_view, StartChange};

/// A change to start, by `kind`: each kind takes its own fields. `agreements`:
/// `subject-change-application-agreement` (and for a name change also
/// `subject-change-acceptance-agreement`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StartChangeBody {
    /// CHG-2: the new registered name; `material`: `org-certificate` (the new licence), and
    /// optionally `registration-change-certificate` or `change-form`.
    EnterpriseName { agreements: Vec<AgreementRef>, new_name: String, material: MaterialBody },
    /// CHG-3: the new organisation, the reason, and the original subject's contact who passes the
    /// face check.
    EnterpriseSubject {
        agreements: Vec<AgreementRef>,
        new_subject: NewSubjectBody,
        reason: String,
        contact: PersonBody,
    },
    /// CHG-4.
    PersonToEnterprise { agreements: Vec<AgreementRef> },
    /// CHG-5.
    PersonToPerson { agreements: Vec<AgreementRef> },
    /// CHG-1: refused (`CHANGE_NOT_SUPPORTED`).
    EnterpriseToPerson {
        #[serde(default)]
        agreements: Vec<AgreementRef>,
    },
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubjectBody {
    organisation_type: OrgType,
    name: String,
    uscc: Uscc,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(body): Json<StartChangeBody>) -> ApiResult {
    let request = match body {
        StartChangeBody::EnterpriseName { agreements, new_name, material } => {
            StartChange::EnterpriseName { agreements, new_name, material: material.0 }
        }
        StartChangeBody::EnterpriseSubject { agreements, new_subject: n, reason, contact } => {
            let contact = contact.person("contact")?;
            StartChange::EnterpriseSubject {
                agreements,
                new_subject: NewSubject { org_type: n.organisation_type, name: n.name, uscc: n.uscc },
                reason,
                contact: (contact.name, contact.document),
            }
        }
        StartChangeBody::PersonToEnterprise { agreements } => StartChange::PersonToEnterprise { agreements },
        StartChangeBody::PersonToPerson { agreements } => StartChange::PersonToPerson { agreements },
        StartChangeBody::EnterpriseToPerson { .. } => StartChange::EnterpriseToPerson,
    };
    let started = start_change(&state.services, &principal, request).await?;
    let view = started_view(&state.services, &principal, started).await?;
    Ok(json_response(StatusCode::CREATED, &change_body(&view)))
}
