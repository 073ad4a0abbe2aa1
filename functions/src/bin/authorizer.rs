//! Lambda entry point: the HTTP API's session authorizer.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_authorizer().await
}
