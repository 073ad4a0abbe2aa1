functions::http_lambda!(functions::review::claim::picked);
