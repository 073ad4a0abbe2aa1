//! The secret groups an operator fills [issue 27]: a function starts while a provider's group is
//! still empty (its calls that need a missing key fail, naming the group), but not without a
//! group the stack generates.

use api_tests::*;
use shared::adapters::dynamo::RequestCounter;
use shared::secrets::{self, SecretIds, SecretSet, ENTERPRISE, HASH_PEPPER, MESSAGING};
use std::collections::HashMap;

async fn stored(client: &aws_sdk_secretsmanager::Client, group: &str, value: &str) -> String {
    let name = format!("{group}-{}", unique_username());
    client.create_secret().name(&name).secret_string(value).send().await.expect("secret stored");
    name
}

#[tokio::test]
async fn a_function_starts_with_an_unfilled_provider_group_but_not_with_a_short_pepper() {
    let _app = spawn_app().await;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    let ids = SecretIds(HashMap::from([
        ("EnterpriseSecret", stored(&client, "EnterpriseSecret", "{}").await),
        ("MessagingSecret", stored(&client, "MessagingSecret", r#"{"sms_api_key":"s","email_api_key":"e"}"#).await),
        ("HashPepperSecret", stored(&client, "HashPepperSecret", r#"{"pepper":"short"}"#).await),
    ]));
    let counter = RequestCounter::default();

    let values = secrets::load(&sdk, &ids, SecretSet::of(&[ENTERPRISE, MESSAGING]), &counter)
        .await
        .expect("the empty enterprise group does not stop the start");
    assert_eq!(values.get(MESSAGING, "sms_api_key"), Some("s"));
    assert_eq!(values.get(ENTERPRISE, "registry_api_key"), None);

    let refused = secrets::load(&sdk, &ids, SecretSet::of(&[HASH_PEPPER]), &counter).await.unwrap_err();
    assert!(format!("{refused:?}").contains("HashPepperSecret's `pepper` is shorter than 32 bytes"), "{refused:?}");
}
