//! Lambda entry point: hands the `register_account` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("register_account").await
}
