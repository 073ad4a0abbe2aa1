//! Lambda entry point: `DELETE /v1/sub-users/{sub_user_id}/mfa-device`.

functions::http_lambda!(functions::sub_users::manage::remove_mfa_device);
