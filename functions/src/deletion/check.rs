//! `POST /v1/account-deletions`: the deletion check [DEL-1], once the deletion agreement is
//! accepted [DEL-2]. Every condition with pass/fail, what was found and where to fix it; when no
//! blocking condition fails, a confirmation (id and single-use token, 10 minutes, this session's)
//! and the forfeits the confirmation must acknowledge.

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use chrono::{DateTime, Utc};
use http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use shared::domain::agreements::AgreementRef;
use shared::domain::deletion::{Condition, Judged, OpenWork, Severity};
use shared::usecases::deletion::check;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// `account-deletion-agreement` at its current version (`2024-06`).
    agreements: Vec<AgreementRef>,
}

/// The check: each condition, the open work, and a confirmation when nothing blocks.
#[derive(Serialize, JsonSchema)]
pub struct CheckAnswer {
    /// No blocking condition fails.
    passed: bool,
    conditions: Vec<ConditionAnswer>,
    /// What the confirmation gives up (forfeit conditions that failed).
    forfeits: Vec<Condition>,
    /// Work in progress the deletion waits on, with what to do now [LIFE-2].
    open_work: Vec<OpenWork>,
    confirmation: Option<Confirmation>,
}

#[derive(Serialize, JsonSchema)]
pub struct ConditionAnswer {
    condition: Condition,
    requirement: String,
    severity: Severity,
    passed: bool,
    /// What was found, when it fails.
    found: Option<String>,
    /// Where to fix it, when it fails.
    fix_at: Option<FixAt>,
}

#[derive(Serialize, JsonSchema)]
pub struct FixAt {
    #[serde(rename = "where")]
    place: String,
    path: String,
}

/// The confirmation: its id and single-use token (this session's, 10 minutes).
#[derive(Serialize, JsonSchema)]
pub struct Confirmation {
    deletion_id: String,
    confirmation_token: String,
    expires_at: DateTime<Utc>,
}

fn condition(j: &Judged) -> ConditionAnswer {
    let (fix, path) = j.condition.fix_at();
    ConditionAnswer {
        condition: j.condition,
        requirement: j.condition.requirement().to_owned(),
        severity: j.condition.severity(),
        passed: j.passed(),
        found: j.found.clone(),
        fix_at: (!j.passed()).then(|| FixAt { place: fix.to_owned(), path: path.to_owned() }),
    }
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(body): Json<CheckBody>) -> ApiResult {
    let checked = check(&state.services, &principal, &body.agreements).await?;
    let report = &checked.report;
    let answer = CheckAnswer {
        passed: report.passed(),
        conditions: report.0.iter().map(condition).collect(),
        forfeits: report.forfeits(),
        open_work: checked.open_work.clone(),
        confirmation: checked.confirmation.as_ref().map(|c| Confirmation {
            deletion_id: c.deletion_id.as_str().to_owned(),
            confirmation_token: c.token.expose().clone(),
            expires_at: c.expires_at,
        }),
    };
    Ok(json_response(StatusCode::OK, &answer))
}
