functions::http_lambda!(functions::cases::appeals::mfa_unbind);
