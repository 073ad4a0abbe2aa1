functions::http_lambda!(functions::enterprise::withdraw::handle);
