//! Sub-users [LOGIN-5]: the main account's management (create, list, enable or disable, reset a
//! password, delete, the entry's alias and the 2FA rule), and the sub-users' own sign-in entry
//! with the device binding a required 2FA may need first.

pub mod manage;
pub mod sign_in;

use serde_json::{json, Value};
use shared::domain::sub_user::SubUser;

pub(crate) fn sub_user_body(u: &SubUser) -> Value {
    json!({
        "sub_user_id": u.sub_user_id,
        "username": u.username,
        "display_name": u.display_name,
        "console_access": u.console_access,
        "enabled": u.enabled,
        "mfa_bound": u.mfa_bound,
        "created_at": u.created_at,
    })
}
