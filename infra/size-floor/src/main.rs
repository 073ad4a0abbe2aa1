//! A bare Lambda: lambda_http, aws-config and the DynamoDB client, reading one item per request.
//! Never deployed: `make deploy-build` builds it with the functions (same invocation, profile and
//! target) and prints each function's size against it.

use lambda_http::{run, service_fn, Body, Error, Request, Response};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_from_env().await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let client = &client;
    run(service_fn(move |_req: Request| async move {
        let out = client
            .get_item()
            .table_name("t")
            .key("pk", aws_sdk_dynamodb::types::AttributeValue::S("k".into()))
            .send()
            .await?;
        Ok::<_, Error>(Response::new(Body::from(format!("{}", out.item.is_some()))))
    }))
    .await
}
