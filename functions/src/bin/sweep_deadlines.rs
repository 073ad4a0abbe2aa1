functions::schedule_lambda!(functions::workers::sweep_deadlines::handle);
