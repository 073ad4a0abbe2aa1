//! Lambda entry point: `DELETE /v1/sub-users/{sub_user_id}`.

functions::http_lambda!(functions::sub_users::manage::delete);
