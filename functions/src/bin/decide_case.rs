functions::http_lambda!(functions::review::decide::handle);
