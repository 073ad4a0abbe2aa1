//! Lambda entry point: hands the `issue_captcha` handler to the runtime.

#[tokio::main]
async fn main() -> Result<(), functions::lambda::BoxError> {
    functions::lambda::serve_http("issue_captcha").await
}
