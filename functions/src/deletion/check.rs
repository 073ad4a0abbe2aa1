//! `POST /v1/account-deletions`: the deletion check [DEL-1], once the deletion agreement is
//! accepted [DEL-2]. Every condition with pass/fail, what was found and where to fix it; when no
//! blocking condition fails, a confirmation (id and single-use token, 10 minutes, this session's)
//! and the forfeits the confirmation must acknowledge.

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use shared::domain::agreements::AgreementRef;
use shared::domain::deletion::{Judged, OpenWork, Report};
use shared::usecases::deletion::check;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// `account-deletion-agreement` at its current version (`2024-06`).
    agreements: Vec<AgreementRef>,
}

fn condition(j: &Judged) -> serde_json::Value {
    let (fix, path) = j.condition.fix_at();
    json!({
        "condition": j.condition.as_str(),
        "requirement": j.condition.requirement(),
        "severity": j.condition.severity(),
        "passed": j.passed(),
        "found": j.found,
        "fix_at": if j.passed() { None } else { Some(json!({ "where": fix, "path": path })) },
    })
}

pub(crate) fn report_body(report: &Report, open_work: &[OpenWork]) -> serde_json::Value {
    json!({
        "passed": report.passed(),
        "conditions": report.0.iter().map(condition).collect::<Vec<_>>(),
        "forfeits": report.forfeits().into_iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "open_work": open_work,
    })
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(body): Json<CheckBody>) -> ApiResult {
    let checked = check(&state.services, &principal, &body.agreements).await?;
    let mut answer = report_body(&checked.report, &checked.open_work);
    answer["confirmation"] = match &checked.confirmation {
        Some(c) => json!({
            "deletion_id": c.deletion_id,
            "confirmation_token": c.token.expose(),
            "expires_at": c.expires_at,
        }),
        None => serde_json::Value::Null,
    };
    Ok(json_response(StatusCode::OK, &answer))
}
