//! Lambda entry point: hands the `start_account_lookup` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("start_account_lookup").await
}
