//! Lambda entry point: hands the `activate_account` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("activate_account").await
}
