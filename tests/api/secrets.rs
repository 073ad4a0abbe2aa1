//! The secret groups an operator fills [issue 27]: a function starts while a provider's group is
//! still empty (its calls that need a missing key fail, naming the group), but not without a
//! group the stack generates.

use api_tests::*;
use shared::adapters::dynamo::RequestCounter;
use shared::secrets::{self, SecretGroup, SecretIds, SecretSet, FACE, FACE_CALLBACK, HASH_PEPPER, MESSAGING};
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
    stored(&client, &ids, FACE, "{}").await;
    stored(&client, &ids, MESSAGING, r#"{"sms_api_key":"s","email_api_key":"e"}"#).await;
    stored(&client, &ids, HASH_PEPPER, r#"{"pepper":"short"}"#).await;
    let counter = RequestCounter::default();

    let values = secrets::load(&sdk, &ids, SecretSet::of(&[FACE, MESSAGING]), &counter)
        .await
        .expect("the empty face group does not stop the start");
    assert_eq!(values.get(MESSAGING, "sms_api_key"), Some("s"));
    assert_eq!(values.get(FACE, "api_key"), None);

    let refused = secrets::load(&sdk, &ids, SecretSet::of(&[HASH_PEPPER]), &counter).await.unwrap_err();
    assert!(format!("{refused:?}").contains("HashPepperSecret's `pepper` is shorter than 32 bytes"), "{refused:?}");
}

#[tokio::test]
async fn the_operators_command_checks_a_value_before_writing_it_and_says_what_is_missing() {
    use local_env::secret_admin;
    let (_, client, ids) = deployment().await;
    let pepper = stored(&client, &ids, HASH_PEPPER, &format!(r#"{{"pepper":"{}"}}"#, "p".repeat(40))).await;
    let messaging = stored(&client, &ids, MESSAGING, "{}").await;
    stored(&client, &ids, FACE, "{}").await;
    stored(&client, &ids, FACE_CALLBACK, "{}").await;
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
    let missing = states["FaceSecret"].as_ref().unwrap();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0].starts_with("FaceSecret has no `api_key`"), "{missing:?}");
    let missing = states["FaceCallbackSecret"].as_ref().unwrap();
    assert!(missing[0].starts_with("FaceCallbackSecret has no `callback_secret`"), "{missing:?}");
}

/// The token key [issue 27]: the operator's command writes the first Ed25519 key into the stack's
/// empty group and prints the public key the authorizer is configured with; a rotation stages a
/// second key (both public keys verify), promotes it (the old private key leaves the group), and
/// the old key's tokens are refused once its public key is dropped from the configuration.
#[tokio::test]
async fn the_token_key_is_written_staged_and_promoted_by_the_operators_command() {
    use local_env::secret_admin::{self, NewKey};
    use shared::crypto::{Keys, TokenPublicKey};
    let (_, client, ids) = deployment().await;
    stored(&client, &ids, secrets::TOKEN_KEYS, "{}").await;
    let signer = |public: &[shared::crypto::TokenPublicKey]| {
        let client = client.clone();
        let ids = ids.clone();
        let public = public.to_vec();
        async move {
            let read = client.get_secret_value().secret_id(ids.id(secrets::TOKEN_KEYS)).send().await.unwrap();
            let value: HashMap<String, String> = serde_json::from_str(read.secret_string().unwrap()).unwrap();
            let signing = secrets::SecretValues::from_groups([(secrets::TOKEN_KEYS, value)]).token_keys();
            Keys::from_parts(None, None, signing.as_ref(), &public)
        }
    };

    let first = secret_admin::new_token_key(&client, &ids, "k1", NewKey::Add).await.unwrap();
    assert_eq!(first.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(), ["k1"]);
    let states: HashMap<&str, _> =
        secret_admin::status(&client, &ids).await.into_iter().map(|(g, s)| (g.logical_id, s)).collect();
    assert_eq!(states["TokenKeysSecret"], Ok(vec![]));
    let old_token = signer(&first).await.issue_token("a", "s", 1_000, 90_000).unwrap();
    assert!(signer(&first).await.verify_token(&old_token, 1_500).unwrap().is_some());

    let staged = secret_admin::new_token_key(&client, &ids, "k2", NewKey::Add).await.unwrap();
    assert_eq!(staged.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(), ["k1", "k2"]);
    let still_old = signer(&staged).await.issue_token("a", "s", 1_000, 90_000).unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(&still_old).unwrap().kid.as_deref(),
        Some("k1"),
        "a staged key signs nothing"
    );
    assert!(secret_admin::new_token_key(&client, &ids, "k3", NewKey::Add).await.is_err(), "one staged key at a time");

    let not_deployed = secret_admin::promote_token_key(&client, &ids, Some(&TokenPublicKey::list(&first))).await;
    assert!(not_deployed.unwrap_err().to_string().contains("does not list the staged key k2"));
    let both = secret_admin::promote_token_key(&client, &ids, Some(&TokenPublicKey::list(&staged))).await.unwrap();
    assert_eq!(both, staged);
    let now_keys = secret_admin::token_public_keys(&client, &ids).await.unwrap();
    assert_eq!(now_keys.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(), ["k2"], "the old private key is gone");
    let during = signer(&both).await;
    let new_token = during.issue_token("a", "s", 1_000, 90_000).unwrap();
    assert_eq!(jsonwebtoken::decode_header(&new_token).unwrap().kid.as_deref(), Some("k2"));
    assert!(during.verify_token(&old_token, 1_500).unwrap().is_some(), "the old key's tokens verify meanwhile");
    let after = signer(&now_keys).await;
    assert!(after.verify_token(&old_token, 1_500).unwrap().is_none(), "then they are refused");
    assert!(after.verify_token(&new_token, 1_500).unwrap().is_some());
    assert!(secret_admin::promote_token_key(&client, &ids, None).await.is_err(), "nothing staged");

    // A leak: a staged key is discarded with the rest, and the value before can no longer be
    // rolled back to.
    secret_admin::new_token_key(&client, &ids, "k3", NewKey::Add).await.unwrap();
    let fresh = secret_admin::new_token_key(&client, &ids, "k4", NewKey::Replace).await.unwrap();
    assert_eq!(fresh.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(), ["k4"]);
    let versions = client.list_secret_version_ids().secret_id(ids.id(secrets::TOKEN_KEYS)).send().await.unwrap();
    let stages: Vec<&str> = versions.versions().iter().flat_map(|v| v.version_stages()).map(String::as_str).collect();
    assert!(!stages.contains(&"AWSPREVIOUS"), "{stages:?}");
    assert!(secret_admin::new_token_key(&client, &ids, "bad kid", NewKey::Add).await.is_err());
}

/// A stack first deployed with HMAC token keys [issue 27]: its group holds `current_*` and
/// `previous_*` HMAC keys (the older template generated them). The sign-in functions refuse to
/// start on it, naming the way out; the operator's plain `new-token-key` refuses it without
/// writing; `--replace` writes an Ed25519 key that signs alone (the HMAC keys leave the group);
/// the functions then start, and a session token signed before (HS256 under the old key) is
/// refused, so everyone signs in again.
#[tokio::test]
async fn a_stack_signed_with_hmac_keys_is_upgraded_by_a_replaced_token_key() {
    use local_env::secret_admin::{self, NewKey};
    use shared::crypto::Keys;
    let (sdk, client, ids) = deployment().await;
    let hmac_key = "a1B2c3D4".repeat(8);
    let older = format!(
        r#"{{"current_kid":"1","current_key":"{hmac_key}","previous_kid":"0","previous_key":"{}"}}"#,
        "z9".repeat(32)
    );
    let name = stored(&client, &ids, secrets::TOKEN_KEYS, &older).await;
    let claims = serde_json::json!({"sub": "a", "sid": "s", "iat": 1_000, "exp": 90_000});
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("1".into());
    let hs256_token =
        jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(hmac_key.as_bytes())).unwrap();
    let counter = RequestCounter::default();

    let refused = secrets::load(&sdk, &ids, SecretSet::of(&[secrets::TOKEN_KEYS]), &counter).await.unwrap_err();
    assert!(format!("{refused:?}").contains("`secrets new-token-key --replace`"), "{refused:?}");
    let states: HashMap<&str, _> =
        secret_admin::status(&client, &ids).await.into_iter().map(|(g, s)| (g.logical_id, s)).collect();
    let problems = states["TokenKeysSecret"].as_ref().unwrap();
    assert!(problems.iter().any(|p| p.contains("older HMAC shape")), "{problems:?}");

    assert!(secret_admin::new_token_key(&client, &ids, "k1", NewKey::Add).await.is_err());
    let unchanged = client.get_secret_value().secret_id(&name).send().await.unwrap();
    assert_eq!(unchanged.secret_string(), Some(older.as_str()), "nothing written");

    let public = secret_admin::new_token_key(&client, &ids, "k1", NewKey::Replace).await.unwrap();
    assert_eq!(public.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(), ["k1"]);
    let values = secrets::load(&sdk, &ids, SecretSet::of(&[secrets::TOKEN_KEYS]), &counter)
        .await
        .expect("the sign-in functions start on the new key");
    let read = client.get_secret_value().secret_id(&name).send().await.unwrap();
    let group: HashMap<String, String> = serde_json::from_str(read.secret_string().unwrap()).unwrap();
    let mut keys: Vec<&str> = group.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["current_key", "current_kid"], "the HMAC keys left the group");

    let upgraded = Keys::from_parts(None, None, values.token_keys().as_ref(), &public);
    let new_token = upgraded.issue_token("a", "s", 1_000, 90_000).unwrap();
    assert!(upgraded.verify_token(&new_token, 1_500).unwrap().is_some());
    assert!(upgraded.verify_token(&hs256_token, 1_500).unwrap().is_none(), "the old sessions sign in again");
}
