//! Lambda entry point: hands the `verify_account_lookup` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("verify_account_lookup").await
}
