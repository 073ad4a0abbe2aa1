//! Lambda entry point: the `$default` route.

functions::http_lambda!(functions::fallback::handle);
