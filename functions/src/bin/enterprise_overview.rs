functions::http_lambda!(functions::enterprise::overview::handle);
