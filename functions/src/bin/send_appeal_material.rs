functions::http_lambda!(functions::cases::signed_out::resubmit);
