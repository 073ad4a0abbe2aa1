//! Lambda entry point: `POST /v1/mfa/totp/unbind`.

functions::http_lambda!(functions::mfa::unbind_totp::handle);
