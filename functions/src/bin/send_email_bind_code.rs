//! Lambda entry point: hands the `send_email_bind_code` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("send_email_bind_code").await
}
