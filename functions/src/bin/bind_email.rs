//! Lambda entry point: `PUT /v1/accounts/me/email`.

functions::http_lambda!(functions::contact::bind_email::handle);
