//! The field-encryption key from KMS: a data key encrypted under a KMS key (the emulator serves
//! KMS too) is decrypted once at start-up and encrypts fields as the configured key does.

use base64::Engine;
use shared::adapters::clock::SystemClock;
use shared::config::DataKey;
use std::sync::Arc;

#[tokio::test]
async fn a_kms_encrypted_data_key_is_decrypted_at_start_up() {
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    local_env::provision::provision_secrets(&sdk).await.unwrap();
    let kms = aws_sdk_kms::Client::new(&sdk);
    let key = kms.create_key().description("field encryption (test)").send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    let data_key =
        kms.generate_data_key().key_id(&key_id).key_spec(aws_sdk_kms::types::DataKeySpec::Aes256).send().await.unwrap();
    let plaintext: [u8; 32] = data_key.plaintext().unwrap().as_ref().try_into().unwrap();
    let ciphertext = data_key.ciphertext_blob().unwrap().as_ref().to_vec();

    let from_kms = functions::AppState::new(
        &local_env::settings::local_config(
            DataKey::Kms { ciphertext: ciphertext.clone() },
            None,
            local_env::settings::no_staff_pool(),
        ),
        Arc::new(SystemClock),
    )
    .await
    .unwrap();
    let from_plain = functions::AppState::new(
        &local_env::settings::local_config(DataKey::Plain(plaintext), None, local_env::settings::no_staff_pool()),
        Arc::new(SystemClock),
    )
    .await
    .unwrap();

    let sealed = from_kms.services.keys.encrypt("11010519491231002X");
    assert_eq!(from_plain.services.keys.decrypt(&sealed).unwrap(), "11010519491231002X");

    let bad = DataKey::Kms { ciphertext: base64::engine::general_purpose::STANDARD.decode("AAAA").unwrap() };
    assert!(
        functions::AppState::new(
            &local_env::settings::local_config(bad, None, local_env::settings::no_staff_pool()),
            Arc::new(SystemClock)
        )
        .await
        .is_err(),
        "a bad ciphertext stops the start"
    );
}
