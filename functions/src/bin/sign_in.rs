//! Lambda entry point: hands the `sign_in` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("sign_in").await
}
