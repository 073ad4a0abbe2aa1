//! Lambda entry point: hands the `start_totp_binding` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("start_totp_binding").await
}
