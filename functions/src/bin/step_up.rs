//! Lambda entry point: `POST /v1/step-up`.

functions::http_lambda!(functions::security::step_up::handle);
