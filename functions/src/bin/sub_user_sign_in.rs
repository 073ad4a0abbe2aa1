//! Lambda entry point: `POST /v1/sub-user-sessions`.

functions::http_lambda!(functions::sub_users::sign_in::sign_in);
