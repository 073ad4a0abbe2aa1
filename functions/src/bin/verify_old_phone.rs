//! Lambda entry point: `POST /v1/accounts/me/phone-changes/{change_id}/old-phone`.

functions::http_lambda!(functions::contact::change_phone::old_phone);
