//! Lambda entry point: hands the `verify_bank_card` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("verify_bank_card").await
}
