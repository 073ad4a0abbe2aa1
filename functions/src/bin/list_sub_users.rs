//! Lambda entry point: `GET /v1/sub-users`.

functions::http_lambda!(functions::sub_users::manage::list);
