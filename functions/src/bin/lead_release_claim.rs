functions::http_lambda!(functions::review::lead::release);
