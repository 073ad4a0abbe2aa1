functions::http_lambda!(functions::review::lease::give_back);
