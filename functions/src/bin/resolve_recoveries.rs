functions::worker_lambda!(functions::workers::resolve_recoveries::handle);
