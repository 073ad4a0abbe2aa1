//! Lambda entry point: hands the `face_verification_status` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("face_verification_status").await
}
