functions::worker_lambda!(functions::workers::expire_flows::handle);
