//! Lambda entry point: hands the `complete_password_reset` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("complete_password_reset").await
}
