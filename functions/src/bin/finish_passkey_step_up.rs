functions::http_lambda!(functions::passkeys::step_up::finish);
