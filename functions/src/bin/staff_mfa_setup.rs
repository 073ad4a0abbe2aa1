functions::http_lambda!(functions::review::staff_sign_in::mfa_setup);
