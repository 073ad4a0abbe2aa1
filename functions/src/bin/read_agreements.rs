functions::http_lambda!(functions::agreements::handle);
