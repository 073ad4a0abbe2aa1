//! Lambda entry point: hands the `set_session_settings` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("set_session_settings").await
}
