//! Lambda entry point: `POST /v1/account-lookups`.

functions::http_lambda!(functions::recovery::account_lookup::start);
