//! Lambda entry point: `GET /review`, `GET /review/{file+}` (the reviewers' dashboard page).

functions::http_lambda!(functions::dashboard::handle);
