//! Lambda entry point: `POST /v1/oauth/{provider}/callback`.

functions::http_lambda!(functions::third_party::callback::sign_in);
