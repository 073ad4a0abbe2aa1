functions::http_lambda!(functions::cases::withdraw::handle);
