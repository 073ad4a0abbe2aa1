//! Lambda entry point: `POST /v1/account-deletions`.

functions::http_lambda!(functions::deletion::check::handle);
