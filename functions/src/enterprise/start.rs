//! `POST /v1/enterprise/applications`: an enterprise verification by one of the three methods
//! [KYC-E3..KYC-E6]: the organisation (type, name, code, legal representative), its certificate's
//! upload and the agreement, then per method: who does the face check (legal-representative face;
//! an authorised person adds the stamped letter), the corporate account and its handler
//! (corporate transfer), or the first recharge's SMS code. With `change_id`, the application
//! completes a person -> enterprise change (5 attempts per method in the change) [CHG-4].

use super::{application_body, LegalRepresentativeBody, PersonBody};
use crate::api::{json_response, ApiResult};
use crate::cases::MaterialBody;
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::agreements::AgreementRef;
use shared::domain::code::Code;
use shared::domain::enterprise::{Method, OrgType, Role, Uscc};
use shared::domain::ids::{ChallengeId, FlowId};
use shared::usecases::enterprise::{application_view, start_application, ApplicationForm};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBody {
    method: Method,
    organisation_type: OrgType,
    /// The organisation's registered name.
    name: String,
    /// The unified social credit code (18 characters).
    uscc: Uscc,
    legal_representative: LegalRepresentativeBody,
    agreement: AgreementRef,
    /// `org-certificate` (and `authorisation-letter` for an authorised person): upload ids.
    material: MaterialBody,
    /// Legal-representative face: `legal_representative` (default) or `authorised_person`.
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    authorised_person: Option<PersonBody>,
    /// Corporate transfer: a bank's code or name from `GET /v1/enterprise`.
    #[serde(default)]
    bank: Option<String>,
    #[serde(default)]
    account_number: Option<String>,
    #[serde(default)]
    handler: Option<PersonBody>,
    /// Recharge, the first time: the code sent to the bound phone (purpose `receiving-account`).
    #[serde(default)]
    challenge_id: Option<ChallengeId>,
    #[serde(default)]
    code: Option<Code>,
    /// A person -> enterprise change this application completes [CHG-4], with the acceptance
    /// agreement `subject-change-acceptance-agreement`.
    #[serde(default)]
    change_id: Option<FlowId>,
    #[serde(default)]
    acceptance: Option<AgreementRef>,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(body): Json<ApplicationBody>) -> ApiResult {
    let form = ApplicationForm {
        method: body.method,
        org_type: body.organisation_type,
        name: body.name,
        uscc: body.uscc,
        legal_representative: body.legal_representative.form()?,
        agreement: body.agreement,
        material: body.material.0,
        role: body.role,
        authorised_person: body.authorised_person.map(|p| p.person("authorised_person")).transpose()?,
        bank: body.bank,
        account_number: body.account_number,
        handler: body.handler.map(|p| p.person("handler")).transpose()?,
        receiving_code: body.challenge_id.zip(body.code),
        change: body.change_id.map(|id| {
            let none = || AgreementRef { id: String::new(), version: String::new() };
            (id, body.acceptance.unwrap_or_else(none))
        }),
    };
    let started = start_application(&state.services, &principal, form).await?;
    let view = application_view(&state.services, started.application).await?;
    let answer = application_body(&view).with_face(started.face.as_ref());
    Ok(json_response(StatusCode::CREATED, &answer))
}
