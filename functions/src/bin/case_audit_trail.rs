functions::http_lambda!(functions::review::audit_trail::handle);
