functions::http_lambda!(functions::cases::list::handle);
