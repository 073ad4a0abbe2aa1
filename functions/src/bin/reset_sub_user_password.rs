//! Lambda entry point: `PUT /v1/sub-users/{sub_user_id}/password`.

functions::http_lambda!(functions::sub_users::manage::password);
