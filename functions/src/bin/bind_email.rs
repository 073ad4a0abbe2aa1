//! Lambda entry point: hands the `bind_email` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("bind_email").await
}
