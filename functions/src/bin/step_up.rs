//! Lambda entry point: hands the `step_up` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("step_up").await
}
