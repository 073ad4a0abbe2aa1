//! Lambda entry point: hands the `start_face_verification` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("start_face_verification").await
}
