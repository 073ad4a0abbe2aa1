//! Lambda entry point: the outbox's delivery worker (SQS).

functions::worker_lambda!(functions::workers::deliver_messages::handle);
