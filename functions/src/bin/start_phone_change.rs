//! Lambda entry point: hands the `start_phone_change` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("start_phone_change").await
}
