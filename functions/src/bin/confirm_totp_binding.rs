//! Lambda entry point: hands the `confirm_totp_binding` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("confirm_totp_binding").await
}
