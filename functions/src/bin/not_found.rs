//! Lambda entry point: hands the `not_found` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("not_found").await
}
