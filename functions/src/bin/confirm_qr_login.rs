//! Lambda entry point: hands the `confirm_qr_login` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("confirm_qr_login").await
}
