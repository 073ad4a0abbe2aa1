//! Lambda entry point: hands the `send_step_up_code` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("send_step_up_code").await
}
