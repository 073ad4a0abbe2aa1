functions::http_lambda!(functions::review::lease::extend);
