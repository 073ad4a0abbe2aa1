//! Lambda entry point: hands the `change_password` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("change_password").await
}
