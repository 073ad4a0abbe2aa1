functions::http_lambda!(functions::changes::list::handle);
