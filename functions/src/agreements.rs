//! `GET /v1/agreements`: the current version of every agreement, and the step that asks for it
//! (a request naming an older version is refused with `AGREEMENTS_REQUIRED`).

use crate::api::{json_response, ApiResult};
use crate::AppState;
use http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use shared::domain::{agreements, change, deletion, enterprise, kyc};

/// Where an agreement is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Registering a cloud account, a passport account's first sign-in, activating an account.
    Registration,
    PersonalVerification,
    StudentVerification,
    EnterpriseVerification,
    /// Starting a change of the verified subject.
    SubjectChangeApplication,
    /// The new subject's acceptance of a change.
    SubjectChangeAcceptance,
    Deletion,
}

#[derive(Serialize, JsonSchema)]
pub struct CurrentAgreement {
    id: &'static str,
    /// The version to name when accepting it.
    version: &'static str,
    step: Step,
}

/// The current agreements.
#[derive(Serialize, JsonSchema)]
pub struct AgreementsAnswer {
    agreements: Vec<CurrentAgreement>,
}

/// Every agreement with its current version, in the order a customer meets them.
pub fn current() -> Vec<CurrentAgreement> {
    let one = |(id, version): (&'static str, &'static str), step| CurrentAgreement { id, version, step };
    let mut all: Vec<CurrentAgreement> = agreements::REQUIRED.iter().map(|a| one(*a, Step::Registration)).collect();
    all.push(one(kyc::PERSONAL_AGREEMENT, Step::PersonalVerification));
    all.extend(kyc::STUDENT_AGREEMENTS.iter().map(|a| one(*a, Step::StudentVerification)));
    all.push(one(enterprise::ENTERPRISE_AGREEMENT, Step::EnterpriseVerification));
    all.push(one(change::APPLICATION_AGREEMENT, Step::SubjectChangeApplication));
    all.push(one(change::ACCEPTANCE_AGREEMENT, Step::SubjectChangeAcceptance));
    all.push(one(deletion::DELETION_AGREEMENT, Step::Deletion));
    all
}

pub async fn handle(_state: &AppState) -> ApiResult {
    Ok(json_response(StatusCode::OK, &AgreementsAnswer { agreements: current() }))
}
