functions::http_lambda!(functions::enterprise::amount::handle);
