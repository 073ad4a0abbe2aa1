functions::http_lambda!(functions::enterprise::start::handle);
