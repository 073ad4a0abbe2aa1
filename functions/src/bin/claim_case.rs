functions::http_lambda!(functions::review::claim::handle);
