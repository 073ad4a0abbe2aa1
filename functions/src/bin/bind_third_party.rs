//! Lambda entry point: `POST /v1/security/third-party/{provider}`.

functions::http_lambda!(functions::third_party::callback::bind);
