//! Lambda entry point: `POST /v1/security/third-party/{provider}/authorizations`.

functions::http_lambda!(functions::third_party::authorize::bind);
