//! Lambda entry point: `PUT /v1/sub-users/settings`.

functions::http_lambda!(functions::sub_users::manage::settings);
