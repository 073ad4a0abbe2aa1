//! Lambda entry point: hands the `regenerate_recovery_codes` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("regenerate_recovery_codes").await
}
