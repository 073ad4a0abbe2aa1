functions::http_lambda!(functions::changes::new_subject::handle);
