//! Lambda entry point: hands the `issue_qr_login` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("issue_qr_login").await
}
