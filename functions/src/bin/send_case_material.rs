functions::http_lambda!(functions::cases::resubmit::handle);
