//! Lambda entry point: `POST /v1/sub-users`.

functions::http_lambda!(functions::sub_users::manage::create);
