//! Lambda entry point: `PUT /v1/accounts/me/notifications`.

functions::http_lambda!(functions::contact::set_notifications::handle);
