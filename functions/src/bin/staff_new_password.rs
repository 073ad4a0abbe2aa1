functions::http_lambda!(functions::review::staff_sign_in::new_password);
