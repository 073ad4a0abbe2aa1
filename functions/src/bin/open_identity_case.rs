functions::http_lambda!(functions::cases::identity_case::handle);
