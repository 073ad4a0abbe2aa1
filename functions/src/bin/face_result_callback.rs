//! Lambda entry point: hands the `face_result_callback` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("face_result_callback").await
}
