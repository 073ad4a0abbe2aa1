//! Lambda entry point: hands the `set_notifications` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("set_notifications").await
}
