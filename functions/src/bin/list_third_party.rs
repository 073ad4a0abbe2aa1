//! Lambda entry point: `GET /v1/security/third-party`.

functions::http_lambda!(functions::third_party::bindings::list);
