//! Lambda entry point: the HTTP API's session authorizer.

functions::authorizer_lambda!(functions::authorizer::decide);
