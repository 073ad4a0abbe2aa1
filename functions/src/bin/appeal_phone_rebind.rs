functions::http_lambda!(functions::cases::appeals::phone_rebind);
