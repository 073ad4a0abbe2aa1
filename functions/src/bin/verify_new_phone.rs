//! Lambda entry point: hands the `verify_new_phone` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("verify_new_phone").await
}
