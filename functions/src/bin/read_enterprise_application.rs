functions::http_lambda!(functions::enterprise::read::handle);
