functions::http_lambda!(functions::cases::signed_out::submit);
