functions::http_lambda!(functions::review::lead::figures_of_review);
