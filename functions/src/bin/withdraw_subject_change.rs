functions::http_lambda!(functions::changes::withdraw::handle);
