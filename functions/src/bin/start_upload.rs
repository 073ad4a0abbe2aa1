functions::http_lambda!(functions::cases::start_upload::handle);
