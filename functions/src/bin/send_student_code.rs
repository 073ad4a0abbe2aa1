//! Lambda entry point: hands the `send_student_code` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("send_student_code").await
}
