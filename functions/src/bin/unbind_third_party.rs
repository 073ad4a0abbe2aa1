//! Lambda entry point: `DELETE /v1/security/third-party/{provider}`.

functions::http_lambda!(functions::third_party::bindings::unbind);
