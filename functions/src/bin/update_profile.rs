//! Lambda entry point: `PUT /v1/accounts/me/profile`.

functions::http_lambda!(functions::contact::update_profile::handle);
