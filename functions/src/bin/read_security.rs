//! Lambda entry point: hands the `read_security` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("read_security").await
}
