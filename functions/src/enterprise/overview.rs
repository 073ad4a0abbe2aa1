//! `GET /v1/enterprise`: the organisation types and their certificates, the photo rules, the
//! methods with their processing times and attempts left, the supported banks, the account's
//! verified organisation and its applications newest first [KYC-E1..KYC-E7].

use super::{application_body, ApplicationAnswer};
use crate::api::{json_response, ApiResult};
use crate::extract::Authed;
use crate::AppState;
use chrono::{DateTime, Utc};
use http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use shared::domain::enterprise::banks::Bank;
use shared::domain::enterprise::{banks, Method, OrgType, MAX_ATTEMPTS_PER_METHOD, PHOTO_RULES};
use shared::usecases::enterprise::overview;

/// What the methods need and how the account stands.
#[derive(Serialize, JsonSchema)]
pub struct OverviewAnswer {
    /// The verified organisation, once verified.
    verified: Option<Verified>,
    methods: Vec<MethodStanding>,
    organisation_types: Vec<TypeInfo>,
    photo_rules: Vec<String>,
    banks: Vec<Bank>,
    /// Where to download the authorisation letter an authorised person's face check needs.
    authorisation_letter_template: String,
    /// Newest first.
    applications: Vec<ApplicationAnswer>,
}

#[derive(Serialize, JsonSchema)]
pub struct Verified {
    name: String,
    uscc: String,
    #[serde(rename = "organisation_type")]
    org_type: OrgType,
    method: Method,
    /// Masked.
    legal_representative: String,
    verified_at: DateTime<Utc>,
}

#[derive(Serialize, JsonSchema)]
pub struct MethodStanding {
    method: Method,
    processing_time: String,
    attempts_left: u32,
    /// Whether an application of this method may be started now.
    open: bool,
}

#[derive(Serialize, JsonSchema)]
pub struct TypeInfo {
    #[serde(rename = "organisation_type")]
    org_type: OrgType,
    name: String,
    certificate: String,
    /// A company (its legal representative may do the face check) [KYC-E4].
    company: bool,
}

pub async fn handle(state: &AppState, Authed(principal): Authed) -> ApiResult {
    let o = overview(&state.services, &principal).await?;
    let methods = Method::ALL
        .iter()
        .map(|m| {
            let used = o.attempts.get(m).copied().unwrap_or(0);
            MethodStanding {
                method: *m,
                processing_time: m.processing_time().to_owned(),
                attempts_left: MAX_ATTEMPTS_PER_METHOD.saturating_sub(used),
                open: used < MAX_ATTEMPTS_PER_METHOD && o.verified.is_none(),
            }
        })
        .collect();
    let organisation_types = OrgType::ALL
        .iter()
        .map(|t| TypeInfo {
            org_type: *t,
            name: t.names().0.to_owned(),
            certificate: t.names().1.to_owned(),
            company: t.is_company(),
        })
        .collect();
    let answer = OverviewAnswer {
        verified: o.verified.as_ref().map(|e| Verified {
            name: e.name.clone(),
            uscc: e.uscc.as_str().to_owned(),
            org_type: e.org_type,
            method: e.method,
            legal_representative: e.legal_representative_masked.clone(),
            verified_at: e.verified_at,
        }),
        methods,
        organisation_types,
        photo_rules: PHOTO_RULES.iter().map(|r| (*r).to_owned()).collect(),
        banks: banks::supported().to_vec(),
        authorisation_letter_template: "/v1/templates/enterprise-authorisation-letter".to_owned(),
        applications: o.applications.iter().map(application_body).collect(),
    };
    Ok(json_response(StatusCode::OK, &answer))
}
