functions::http_lambda!(functions::review::read_case::handle);
