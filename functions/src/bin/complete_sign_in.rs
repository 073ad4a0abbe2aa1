//! Lambda entry point: `POST /v1/sessions/second-factor`.

functions::http_lambda!(functions::sessions::complete_sign_in::handle);
