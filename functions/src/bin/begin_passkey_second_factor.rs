functions::http_lambda!(functions::passkeys::second_factor::begin);
