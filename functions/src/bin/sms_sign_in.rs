//! Lambda entry point: hands the `sms_sign_in` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("sms_sign_in").await
}
