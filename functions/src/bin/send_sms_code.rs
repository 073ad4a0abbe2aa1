//! Lambda entry point: hands the `send_sms_code` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("send_sms_code").await
}
