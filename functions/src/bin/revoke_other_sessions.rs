//! Lambda entry point: hands the `revoke_other_sessions` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("revoke_other_sessions").await
}
