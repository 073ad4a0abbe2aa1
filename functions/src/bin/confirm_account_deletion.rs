//! Lambda entry point: `POST /v1/account-deletions/{deletion_id}/confirmation`.

functions::http_lambda!(functions::deletion::confirm::handle);
