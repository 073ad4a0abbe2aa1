//! Lambda entry point: hands the `unbind_totp` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("unbind_totp").await
}
