//! Lambda entry point: `POST /v1/accounts/me/phone-changes`.

functions::http_lambda!(functions::contact::change_phone::start);
