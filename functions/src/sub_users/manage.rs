//! The main account's sub-users [LOGIN-5] (a sub-user's own session gets `403 SUB_USER_FORBIDDEN`
//! on each of these routes):
//! - `POST /v1/sub-users`: a new sub-user (step-up).
//! - `GET /v1/sub-users`: the sub-users, the alias of their entry and the 2FA rule.
//! - `PUT /v1/sub-users/settings`: `{"require_mfa"?, "alias"?, "passkeys_allowed"?}` (step-up;
//!   `"alias": null` clears it).
//! - `PUT /v1/sub-users/{sub_user_id}/status`: `{"enabled"}`; disabling ends its sessions at once.
//! - `PUT /v1/sub-users/{sub_user_id}/password`: `{"password"}` (step-up); ends its sessions.
//! - `DELETE /v1/sub-users/{sub_user_id}` (step-up); ends its sessions.

use super::sub_user_body;
use crate::api::{json_response, no_content, ApiResult};
use crate::extract::{Authed, Json, SubUserId};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::password::Password;
use shared::domain::sub_user::Alias;
use shared::domain::username::Username;
use shared::usecases::sub_users::{
    act_on_sub_user, create_sub_user, list_sub_users, set_sub_user_settings, NewSubUserRequest, SubUserAction,
    SubUserSettings,
};
use shared::Error;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubUserBody {
    /// Unique within the main account (case-insensitive), the rules of a username.
    username: Username,
    password: Password,
    #[serde(default)]
    display_name: Option<String>,
    /// Whether it may sign in to the console (without: API access only).
    #[serde(default = "yes")]
    console_access: bool,
}

fn yes() -> bool {
    true
}

pub async fn create(state: &AppState, Authed(principal): Authed, Json(b): Json<NewSubUserBody>) -> ApiResult {
    let request = NewSubUserRequest {
        username: b.username,
        password: b.password,
        display_name: b.display_name,
        console_access: b.console_access,
    };
    let created = create_sub_user(&state.services, &principal, request).await?;
    Ok(json_response(StatusCode::CREATED, &sub_user_body(&created)))
}

pub async fn list(state: &AppState, Authed(principal): Authed) -> ApiResult {
    let (directory, users) = list_sub_users(&state.services, &principal).await?;
    Ok(json_response(
        StatusCode::OK,
        &super::SubUsersAnswer {
            sub_users: users.iter().map(sub_user_body).collect(),
            require_mfa: directory.require_mfa,
            sign_in: super::SignInEntry {
                path: "/v1/sub-user-sessions".to_owned(),
                account: directory.alias.clone().unwrap_or_else(|| principal.account_id.to_string()),
            },
            alias: directory.alias,
            passkeys_allowed: directory.passkeys_allowed,
            max_sub_users: shared::domain::sub_user::MAX_SUB_USERS,
        },
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    /// Every sub-user must pass a virtual MFA device at sign-in (binding one first if need be).
    #[serde(default)]
    require_mfa: Option<bool>,
    /// The alias the sub-users' entry accepts instead of the AccountId; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    alias: Option<Option<String>>,
    /// The sub-users may register passkeys and sign in with them [KEY-1].
    #[serde(default)]
    passkeys_allowed: Option<bool>,
}

/// A field that may be present as `null` (clear) or absent (keep).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

pub async fn settings(state: &AppState, Authed(principal): Authed, Json(b): Json<SettingsBody>) -> ApiResult {
    let alias = b
        .alias
        .map(|a| a.map(|raw| Alias::parse(&raw)).transpose())
        .transpose()
        .map_err(|reason| Error::invalid("alias", reason))?;
    let settings = SubUserSettings { require_mfa: b.require_mfa, alias, passkeys_allowed: b.passkeys_allowed };
    let directory = set_sub_user_settings(&state.services, &principal, settings).await?;
    Ok(json_response(
        StatusCode::OK,
        &super::SettingsAnswer {
            require_mfa: directory.require_mfa,
            alias: directory.alias,
            passkeys_allowed: directory.passkeys_allowed,
        },
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    enabled: bool,
}

pub async fn status(
    state: &AppState,
    Authed(principal): Authed,
    SubUserId(id): SubUserId,
    Json(b): Json<StatusBody>,
) -> ApiResult {
    let action = if b.enabled { SubUserAction::Enable } else { SubUserAction::Disable };
    act_on_sub_user(&state.services, &principal, &id, action).await?;
    Ok(no_content())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    password: Password,
}

pub async fn password(
    state: &AppState,
    Authed(principal): Authed,
    SubUserId(id): SubUserId,
    Json(b): Json<PasswordBody>,
) -> ApiResult {
    act_on_sub_user(&state.services, &principal, &id, SubUserAction::ResetPassword(b.password)).await?;
    Ok(no_content())
}

pub async fn remove_mfa_device(state: &AppState, Authed(principal): Authed, SubUserId(id): SubUserId) -> ApiResult {
    act_on_sub_user(&state.services, &principal, &id, SubUserAction::RemoveMfaDevice).await?;
    Ok(no_content())
}

pub async fn delete(state: &AppState, Authed(principal): Authed, SubUserId(id): SubUserId) -> ApiResult {
    act_on_sub_user(&state.services, &principal, &id, SubUserAction::Delete).await?;
    Ok(no_content())
}
