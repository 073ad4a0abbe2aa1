//! `POST /v1/account-deletions/{deletion_id}/confirmation`: the second confirmation [DEL-2] with
//! the check's token and every forfeit acknowledged, under operation protection (a step-up
//! where it is on). The check runs again; then the account is deleted [DEL-3]: every session
//! ends, sign-in answers as for an unknown account, the username stays taken, the phone's and the
//! document's counts are released and the account's data erased.

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, DeletionId, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::deletion::Condition;
use shared::usecases::deletion::confirm;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    confirmation_token: String,
    /// Each forfeit the check listed (`cash_balance`, `vouchers`, `resources_in_use`): deleting
    /// gives it up for good.
    #[serde(default)]
    acknowledged_forfeits: Vec<Condition>,
}

pub async fn handle(
    state: &AppState,
    Authed(principal): Authed,
    DeletionId(id): DeletionId,
    Json(body): Json<ConfirmBody>,
) -> ApiResult {
    let deleted =
        confirm(&state.services, &principal, &id, &body.confirmation_token, &body.acknowledged_forfeits).await?;
    Ok(json_response(
        StatusCode::OK,
        &crate::answers::Deleted {
            deleted: true,
            account_id: deleted.account_id.as_str().to_owned(),
            deleted_at: deleted.deleted_at,
        },
    ))
}
