//! `GET /v1/enterprise`: the organisation types and their certificates, the photo rules, the
//! methods with their processing times and attempts left, the supported banks, the account's
//! verified organisation and its applications newest first [KYC-E1..KYC-E7].

use super::application_body;
use crate::api::{json_response, ApiResult};
use crate::extract::Authed;
use crate::AppState;
use http::StatusCode;
use serde_json::json;
use shared::domain::enterprise::{banks, Method, OrgType, MAX_ATTEMPTS_PER_METHOD, PHOTO_RULES};
use shared::usecases::enterprise::overview;

pub async fn handle(state: &AppState, Authed(principal): Authed) -> ApiResult {
    let o = overview(&state.services, &principal).await?;
    let methods: Vec<_> = Method::ALL
        .iter()
        .map(|m| {
            let used = o.attempts.get(m).copied().unwrap_or(0);
            json!({
                "method": m.as_str(),
                "processing_time": m.processing_time(),
                "attempts_left": MAX_ATTEMPTS_PER_METHOD.saturating_sub(used),
                "open": used < MAX_ATTEMPTS_PER_METHOD && o.verified.is_none(),
            })
        })
        .collect();
    let types: Vec<_> = OrgType::ALL
        .iter()
        .map(|t| json!({ "type": t, "name": t.names().0, "certificate": t.names().1, "company": t.is_company() }))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "verified": o.verified.as_ref().map(|e| json!({
                "name": e.name, "uscc": e.uscc, "type": e.org_type, "method": e.method.as_str(),
                "legal_representative": e.legal_representative_masked, "verified_at": e.verified_at,
            })),
            "methods": methods,
            "organisation_types": types,
            "photo_rules": PHOTO_RULES,
            "banks": banks::supported(),
            "authorisation_letter_template": "/v1/templates/enterprise-authorisation-letter",
            "applications": o.applications.iter().map(application_body).collect::<Vec<_>>(),
        }),
    ))
}
