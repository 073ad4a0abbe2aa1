functions::http_lambda!(functions::enterprise::refresh_face::handle);
