functions::http_lambda!(functions::review::queue::handle);
