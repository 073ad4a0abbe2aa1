functions::http_lambda!(functions::changes::owner_proof::handle);
