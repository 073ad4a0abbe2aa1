//! `GET /v1/accounts/me`: the signed-in caller's account, personal data masked, with its
//! verification, student status and entitlements [ACC-1, KYC-P6].

use crate::api::{json_response, ApiResult};
use crate::extract::Authed;
use crate::AppState;
use http::StatusCode;
use serde_json::json;
use shared::usecases::account::read_my_account;

pub async fn handle(state: &AppState, Authed(principal): Authed) -> ApiResult {
    let account = read_my_account(&state.services, &principal).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "account_id": account.account_id,
            "kind": account.kind.as_str(),
            "username": (!account.username.is_empty()).then_some(&account.username),
            "phone": account.phone_masked,
            "created_at": account.created_at.to_rfc3339(),
            "activated": account.activated,
            "verification": match (&account.enterprise, &account.personal) {
                (Some(e), _) => json!({
                    "state": "enterprise",
                    "method": e.method.as_str(),
                    "name": e.name,
                    "uscc": e.uscc,
                    "organisation_type": e.org_type,
                    "legal_representative": e.legal_representative_masked,
                    "verified_at": e.verified_at.to_rfc3339(),
                }),
                (None, None) => json!({ "state": "unverified" }),
                (None, Some(p)) => json!({
                    "state": "personal",
                    "method": p.method,
                    "name": p.name,
                    "document_type": p.document_type,
                    "id_number": p.id_number,
                    "verified_at": p.verified_at.to_rfc3339(),
                }),
            },
            "student": account.student.as_ref().map(|s| json!({
                "school": s.school, "major": s.major, "level": s.level,
                "expected_graduation": s.expected_graduation, "email": s.email,
                "verified_at": s.verified_at.to_rfc3339(),
            })),
            "email": account.email,
            "profile": account.profile,
            "notifications": { "sms": account.sms },
            "entitlements": account.entitlements,
            "balance_fen": account.balance_fen,
            "agreements": account.agreements,
        }),
    ))
}
