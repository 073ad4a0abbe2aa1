//! Lambda entry point: `POST /v1/account-lookups/{lookup_id}/verify`.

functions::http_lambda!(functions::recovery::account_lookup::verify);
