functions::http_lambda!(functions::passkeys::sign_in::begin);
