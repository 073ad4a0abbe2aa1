//! Lambda entry point: hands the `send_sign_in_code` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("send_sign_in_code").await
}
