//! Lambda entry point: `POST /v1/mfa/recovery-codes`.

functions::http_lambda!(functions::mfa::regenerate_recovery_codes::handle);
