//! Lambda entry point: hands the `list_sessions` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("list_sessions").await
}
