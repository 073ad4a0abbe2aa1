//! The secret groups an operator fills [issue 27]: a function starts while a provider's group is
//! still empty (its calls that need a missing key fail, naming the group), but not without a
//! group the stack generates.

use api_tests::*;
use shared::adapters::dynamo::RequestCounter;
use shared::secrets::{self, SecretGroup, SecretIds, SecretSet, ENTERPRISE, HASH_PEPPER, MESSAGING};
use std::collections::HashMap;

/// A deployment of its own on the emulator (its secret groups are named `<prefix><logical id>`),
/// and a Secrets Manager client there.
async fn deployment() -> (aws_config::SdkConfig, aws_sdk_secretsmanager::Client, SecretIds) {
    let _app = spawn_app().await;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    (sdk, client, SecretIds::named(format!("{}-", unique_username())))
}

async fn stored(client: &aws_sdk_secretsmanager::Client, ids: &SecretIds, group: SecretGroup, value: &str) -> String {
    let name = ids.id(group);
    client.create_secret().name(&name).secret_string(value).send().await.expect("secret stored");
    name
}

#[tokio::test]
async fn a_function_starts_with_an_unfilled_provider_group_but_not_with_a_short_pepper() {
    let (sdk, client, ids) = deployment().await;
    stored(&client, &ids, ENTERPRISE, "{}").await;
    stored(&client, &ids, MESSAGING, r#"{"sms_api_key":"s","email_api_key":"e"}"#).await;
    stored(&client, &ids, HASH_PEPPER, r#"{"pepper":"short"}"#).await;
    let counter = RequestCounter::default();

    let values = secrets::load(&sdk, &ids, SecretSet::of(&[ENTERPRISE, MESSAGING]), &counter)
        .await
        .expect("the empty enterprise group does not stop the start");
    assert_eq!(values.get(MESSAGING, "sms_api_key"), Some("s"));
    assert_eq!(values.get(ENTERPRISE, "registry_api_key"), None);

    let refused = secrets::load(&sdk, &ids, SecretSet::of(&[HASH_PEPPER]), &counter).await.unwrap_err();
    assert!(format!("{refused:?}").contains("HashPepperSecret's `pepper` is shorter than 32 bytes"), "{refused:?}");
}

#[tokio::test]
async fn the_operators_command_checks_a_value_before_writing_it_and_says_what_is_missing() {
    use local_env::secret_admin;
    let (_, client, ids) = deployment().await;
    let pepper = stored(&client, &ids, HASH_PEPPER, &format!(r#"{{"pepper":"{}"}}"#, "p".repeat(40))).await;
    let messaging = stored(&client, &ids, MESSAGING, "{}").await;
    stored(&client, &ids, ENTERPRISE, "{}").await;
    let value_of = |id: String| {
        let client = client.clone();
        async move { client.get_secret_value().secret_id(id).send().await.unwrap().secret_string().unwrap().to_owned() }
    };

    // A short pepper is refused before anything is written.
    let refused = secret_admin::put(&client, &pepper, HASH_PEPPER, r#"{"pepper":"short"}"#).await.unwrap_err();
    assert_eq!(refused.to_string(), "HashPepperSecret's `pepper` is shorter than 32 bytes");
    assert!(value_of(pepper.clone()).await.contains(&"p".repeat(40)), "the old value is kept");

    secret_admin::put(&client, &messaging, MESSAGING, r#"{"sms_api_key":"sms-1","email_api_key":"mail-1"}"#)
        .await
        .unwrap();
    let states: HashMap<&str, Result<Vec<String>, String>> =
        secret_admin::status(&client, &ids).await.into_iter().map(|(g, s)| (g.logical_id, s)).collect();
    assert_eq!(states["MessagingSecret"], Ok(vec![]));
    assert_eq!(states["HashPepperSecret"], Ok(vec![]));
    let missing = states["EnterpriseSecret"].as_ref().unwrap();
    assert_eq!(missing.len(), 5, "{missing:?}");
    assert!(missing[0].starts_with("EnterpriseSecret has no `registry_api_key`"), "{missing:?}");
}
