//! A function builds only what its row asks for: without `data_key: true` it makes no KMS call
//! at cold start and cannot encrypt or decrypt personal data; with it, one KMS call. The
//! authorizer reads no secret at all: it verifies tokens with the configured public keys.

use api_tests::{spawn_app, template, unique_phone, unique_username, PASSWORD};
use functions::{registry, AppState};
use local_env::settings::local_config;
use local_env::Gateway;
use serde_json::json;
use shared::adapters::clock::SystemClock;
use shared::config::{Config, DataKey};
use std::sync::Arc;

/// A local configuration whose data key is a KMS ciphertext of the emulator's KMS.
async fn config_with_kms_data_key() -> Config {
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    local_env::provision::provision_secrets(&sdk).await.unwrap();
    let kms = aws_sdk_kms::Client::new(&sdk);
    let key = kms.create_key().description("field encryption (cold start test)").send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    let data_key =
        kms.generate_data_key().key_id(&key_id).key_spec(aws_sdk_kms::types::DataKeySpec::Aes256).send().await.unwrap();
    let data_key = DataKey::Kms { ciphertext: data_key.ciphertext_blob().unwrap().as_ref().to_vec() };
    local_config(data_key, None, local_env::settings::no_staff_pool())
}

/// The state a Lambda builds at cold start, as its bin does: with what its row needs.
async fn cold_start(config: &Config, binary: &str) -> AppState {
    let row = registry::lambda_named(binary).unwrap();
    AppState::with_needs(config, Arc::new(SystemClock), row.needs).await.unwrap()
}

#[tokio::test]
async fn the_authorizer_and_sign_out_make_no_kms_call_at_cold_start() {
    let config = config_with_kms_data_key().await;
    for binary in [registry::AUTHORIZER, "sign_out", "sign_in", "read_account"] {
        let state = cold_start(&config, binary).await;
        assert_eq!(state.services.kms_requests.get(), 0, "{binary} called KMS");
        assert!(!state.services.keys.has_data_key(), "{binary} holds the data key");
        assert!(state.services.keys.encrypt("11010519491231002X").is_err(), "{binary} can encrypt");
    }
}

/// The authorizer makes no Secrets Manager call at cold start and cannot sign a token, yet
/// verifies what a sign-in (which reads the signing key) issues [issue 27].
#[tokio::test]
async fn the_authorizer_reads_no_secret_and_verifies_with_public_keys() {
    let mut config = config_with_kms_data_key().await;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    config.token_public_keys = local_env::secret_admin::token_public_keys(&secrets, &config.secrets).await.unwrap();
    let authorizer = cold_start(&config, registry::AUTHORIZER).await;
    assert_eq!(authorizer.services.secret_requests.get(), 0, "the authorizer read a secret");
    assert!(!authorizer.services.keys.can_sign_tokens());
    let sign_in = cold_start(&config, "sign_in").await;
    assert_eq!(sign_in.services.secret_requests.get(), 2, "the signing key and the pepper");
    let token = sign_in.services.keys.issue_token("acct", "sess", 1_000, 2_000).unwrap();
    assert_eq!(authorizer.services.keys.verify_token(&token, 1_500).unwrap().unwrap().sid, "sess");
}

#[tokio::test]
async fn a_function_that_handles_personal_data_decrypts_the_data_key_once() {
    let config = config_with_kms_data_key().await;
    for binary in ["register_account", "verify_bank_card"] {
        let state = cold_start(&config, binary).await;
        assert_eq!(state.services.kms_requests.get(), 1, "{binary}");
        let sealed = state.services.keys.encrypt("11010519491231002X").unwrap();
        assert_eq!(state.services.keys.decrypt(&sealed).unwrap(), "11010519491231002X");
    }
}

/// Run without the data key, a function that needs it fails (500) and one that does not works:
/// a row marked `data_key: false` by mistake cannot pass the tests.
#[tokio::test]
async fn without_the_data_key_personal_data_cannot_be_written() {
    let app = spawn_app().await;
    let keyless = Gateway::new(template(), Arc::new(app.state().without_data_key())).unwrap();
    let phone = unique_phone();
    let (challenge_id, code) = app.seed_code(&phone).await;
    let body = json!({
        "username": unique_username(), "password": PASSWORD, "phone": phone,
        "challenge_id": challenge_id, "sms_code": code, "agreements": api_tests::agreements(),
    });
    let request =
        http::Request::builder().method("POST").uri("/v1/accounts").body(bytes::Bytes::from(body.to_string())).unwrap();
    let response = keyless.dispatch(request, &app.source_ip).await;
    assert_eq!(response.status(), 500);
    let answer: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(answer["error"]["code"], "INTERNAL");

    // A function without personal data works without the key.
    let request = http::Request::builder()
        .method("POST")
        .uri("/v1/sessions")
        .body(bytes::Bytes::from(json!({"username": unique_username(), "password": PASSWORD}).to_string()))
        .unwrap();
    assert_eq!(keyless.dispatch(request, &app.source_ip).await.status(), 401);
}
