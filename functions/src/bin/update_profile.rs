//! Lambda entry point: hands the `update_profile` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("update_profile").await
}
