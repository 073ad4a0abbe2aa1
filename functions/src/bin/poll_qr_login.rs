//! Lambda entry point: hands the `poll_qr_login` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("poll_qr_login").await
}
