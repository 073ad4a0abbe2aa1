functions::http_lambda!(functions::cases::templates::handle);
