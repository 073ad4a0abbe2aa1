functions::http_lambda!(functions::passkeys::registration::remove);
