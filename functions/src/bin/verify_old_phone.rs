//! Lambda entry point: hands the `verify_old_phone` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("verify_old_phone").await
}
