//! Lambda entry point: `POST /v1/accounts/me/phone-changes/{change_id}/new-phone`.

functions::http_lambda!(functions::contact::change_phone::new_phone);
