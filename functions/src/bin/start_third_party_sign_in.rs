//! Lambda entry point: `POST /v1/oauth/{provider}/authorizations`.

functions::http_lambda!(functions::third_party::authorize::sign_in);
