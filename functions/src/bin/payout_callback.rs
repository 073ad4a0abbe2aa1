functions::http_lambda!(functions::enterprise::callbacks::payout);
