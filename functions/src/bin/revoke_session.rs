//! Lambda entry point: hands the `revoke_session` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("revoke_session").await
}
