functions::http_lambda!(functions::changes::start::handle);
