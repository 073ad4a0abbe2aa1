//! The ports a use case may call, wired once per cold start.

use crate::adapters::bank_card::{HttpBankCard, SandboxBankCard};
use crate::adapters::calls::CallRecorder;
use crate::adapters::dynamo::{self, DynamoStore, RequestCounter};
use crate::adapters::email::{HttpEmail, SandboxEmail};
use crate::adapters::enterprise::{
    HttpPayouts, HttpRegistry, HttpRisk, SandboxPayouts, SandboxRegistry, SandboxRisk, SignedBank,
};
use crate::adapters::face::{HttpFace, SandboxFace};
use crate::adapters::oauth::{sandbox_client_id, Endpoints, HttpIdentityProvider, SandboxOAuth};
use crate::adapters::resources::{HttpResources, SandboxResources};
use crate::adapters::s3::S3Uploads;
use crate::adapters::sms::{HttpSms, SandboxSms};
use crate::adapters::sqs::{Queue, SqsOutbox};
use crate::adapters::staff::CognitoStaff;
use crate::config::{Config, DataKey, OAuthConfig, Provider};
use crate::crypto::Keys;
use crate::error::{Error, Result};
use crate::ports::{
    AccountStore, BankCardCheck, BusinessRegistry, CaseStore, ChangeStore, Clock, CodeStore, DeadlineIndex,
    DeletionStore, DeliveryLog, EmailSender, EnterpriseStore, ExpiryQueue, FaceCheck, IdentityProvider,
    IdentityProviders, InboundBank, KycStore, Outbox, PayoutProvider, ResourceDirectory, ReviewQueue, RiskRules,
    SecurityStore, SessionStore, SignInStore, SmsSender, StaffDirectory, StepStore, SubUserStore, ThirdPartyStore,
    UploadStore,
};
use crate::secrets::{self, SecretSet, SecretValues};
use std::sync::Arc;

/// What a function needs beyond the ports every function gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// The field-encryption data key: only functions that read or write personal data get it (in
    /// AWS, only they may `kms:Decrypt` it at cold start).
    pub data_key: bool,
    /// The secret groups it reads at cold start (in AWS, only these may it
    /// `secretsmanager:GetSecretValue`).
    pub secrets: SecretSet,
}

impl Needs {
    /// Everything (local tools and tests that act as any function).
    pub const ALL: Needs = Needs { data_key: true, secrets: SecretSet::ALL };
}

#[derive(Clone)]
pub struct Services {
    pub clock: Arc<dyn Clock>,
    pub keys: Keys,
    pub codes: Arc<dyn CodeStore>,
    pub accounts: Arc<dyn AccountStore>,
    pub sign_in: Arc<dyn SignInStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub security: Arc<dyn SecurityStore>,
    pub steps: Arc<dyn StepStore>,
    /// The DynamoDB store behind the flow stores ([`Services::flows`]).
    pub store: Arc<DynamoStore>,
    pub kyc: Arc<dyn KycStore>,
    /// Where use cases put messages; the delivery worker sends them with `sms` and `email`.
    pub outbox: Arc<dyn Outbox>,
    pub deliveries: Arc<dyn DeliveryLog>,
    /// Review cases and the staff audit trail.
    pub cases: Arc<dyn CaseStore>,
    /// Flows past their sweep deadline.
    pub deadlines: Arc<dyn DeadlineIndex>,
    /// Uploaded material (S3).
    pub uploads: Arc<dyn UploadStore>,
    /// The queue reviewers claim cases from.
    pub review_queue: Arc<dyn ReviewQueue>,
    /// The queue the deadline sweeper feeds the expiry worker through.
    pub expiry_queue: Arc<dyn ExpiryQueue>,
    /// The staff directory reviewers sign in with.
    pub staff: Arc<dyn StaffDirectory>,
    pub sms: Arc<dyn SmsSender>,
    pub email: Arc<dyn EmailSender>,
    pub face: Arc<dyn FaceCheck>,
    pub bank_card: Arc<dyn BankCardCheck>,
    pub resources: Arc<dyn ResourceDirectory>,
    pub sandbox_resources: Option<Arc<SandboxResources>>,
    /// Enterprise verification: its store and outside parties [KYC-E1..KYC-E7].
    pub enterprise: Arc<dyn EnterpriseStore>,
    pub registry: Arc<dyn BusinessRegistry>,
    pub payouts: Arc<dyn PayoutProvider>,
    pub sandbox_payouts: Option<Arc<SandboxPayouts>>,
    pub inbound_bank: Arc<dyn InboundBank>,
    /// The receiving accounts' bank as a signer (the local sandbox "sends" transfers with it).
    pub bank_signer: Arc<SignedBank>,
    pub risk: Arc<dyn RiskRules>,
    /// Subject changes [CHG-1..CHG-5].
    pub changes: Arc<dyn ChangeStore>,
    /// Account deletion and erasure [DEL-3].
    pub deletions: Arc<dyn DeletionStore>,
    /// Sub-users of main accounts [LOGIN-5].
    pub sub_users: Arc<dyn SubUserStore>,
    /// Third-party sign-in [LOGIN-2]: the bindings, the identity providers (over HTTP) and,
    /// locally, the sandbox provider's own side that the local gateway serves.
    pub third_party: Arc<dyn ThirdPartyStore>,
    pub identity_providers: Arc<IdentityProviders>,
    pub sandbox_oauth: Option<Arc<SandboxOAuth>>,
    /// The sandbox providers, present only where configured: their outboxes and the face app.
    pub sandbox_sms: Option<Arc<SandboxSms>>,
    pub sandbox_email: Option<Arc<SandboxEmail>>,
    pub sandbox_face: Option<Arc<SandboxFace>>,
    /// DynamoDB requests sent so far by this instance.
    pub dynamo_requests: RequestCounter,
    /// KMS requests sent by this instance (the data key's decryption at cold start, if needed).
    pub kms_requests: RequestCounter,
    /// Secrets Manager requests sent by this instance (one per secret group it needs, at cold start).
    pub secret_requests: RequestCounter,
}

/// The production adapter or the sandbox (kept also as its concrete type for its outbox).
fn pick<T: ?Sized, S>(
    provider: &Provider,
    sandbox: impl FnOnce(&Option<std::path::PathBuf>) -> Arc<S>,
    http: impl FnOnce(&str) -> Arc<T>,
    upcast: impl Fn(Arc<S>) -> Arc<T>,
) -> (Arc<T>, Option<Arc<S>>) {
    match provider {
        Provider::Sandbox { outbox_file } => {
            let s = sandbox(outbox_file);
            (upcast(s.clone()), Some(s))
        }
        Provider::Http { endpoint } => (http(endpoint), None),
    }
}

impl Services {
    /// Builds clients and adapters for `config`. The AWS endpoint comes from the usual SDK
    /// environment (`AWS_ENDPOINT_URL` points it at the local emulator). The data key is taken
    /// only if `needs` says so (a KMS data key is then decrypted here, once), and only the secret
    /// groups `needs` names are read (one Secrets Manager call each), all at the same time.
    pub async fn from_config(config: &Config, clock: Arc<dyn Clock>, needs: Needs) -> Result<Services> {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let kms_requests = RequestCounter::default();
        let secret_requests = RequestCounter::default();
        let (data_key, values) = tokio::try_join!(
            async {
                match needs.data_key {
                    true => data_key(&sdk, &config.data_key, &kms_requests).await.map(Some),
                    false => Ok(None),
                }
            },
            secrets::load(&sdk, &config.secrets, needs.secrets, &secret_requests),
        )?;
        if let (true, OAuthConfig::Http { clients, .. }) = (needs.secrets.contains(secrets::OAUTH), &config.oauth) {
            for (provider, _) in clients {
                if values.get(secrets::OAUTH, &format!("{}_client_secret", provider.as_str())).is_none() {
                    return Err(Error::internal(
                        "a secret's value is not usable",
                        format!("OAuthSecret has no `{}_client_secret`", provider.as_str()),
                    ));
                }
            }
        }
        let dynamo_requests = RequestCounter::default();
        let recorder = CallRecorder::from_env();
        let store = Arc::new(DynamoStore::new(
            dynamo::client(&sdk, &dynamo_requests, recorder.as_ref()),
            config.tables.clone(),
        ));
        // A key this function did not read is empty: it never calls that provider. A shared
        // secret it did not read is random: nothing it signs or checks with it is valid anywhere.
        let key = |group, name: &str| values.get(group, name).unwrap_or_default().to_owned();
        let shared_secret = |group, name: &str| match values.get(group, name) {
            Some(v) => v.as_bytes().to_vec(),
            None => crate::domain::ids::new_opaque_id().into_bytes(),
        };
        let (sms, sandbox_sms) = pick(
            &config.sms,
            |f| Arc::new(SandboxSms::new(f.clone())),
            |e| Arc::new(HttpSms::new(e.into(), key(secrets::MESSAGING, "sms_api_key"))) as Arc<dyn SmsSender>,
            |s| s as Arc<dyn SmsSender>,
        );
        let (email, sandbox_email) = pick(
            &config.email,
            |f| Arc::new(SandboxEmail::new(f.clone())),
            |e| Arc::new(HttpEmail::new(e.into(), key(secrets::MESSAGING, "email_api_key"))) as Arc<dyn EmailSender>,
            |s| s as Arc<dyn EmailSender>,
        );
        let callback_secret = shared_secret(secrets::FACE, "callback_secret");
        let (face, sandbox_face) = pick(
            &config.face,
            |_| Arc::new(SandboxFace::new(callback_secret.clone())),
            |e| {
                Arc::new(HttpFace::new(e.into(), key(secrets::FACE, "api_key"), callback_secret.clone()))
                    as Arc<dyn FaceCheck>
            },
            |s| s as Arc<dyn FaceCheck>,
        );
        let (bank_card, _) = pick(
            &config.bank_card,
            |_| Arc::new(SandboxBankCard::default()),
            |e| Arc::new(HttpBankCard::new(e.into(), key(secrets::BANK_CARD, "api_key"))) as Arc<dyn BankCardCheck>,
            |s| s as Arc<dyn BankCardCheck>,
        );
        let (resources, sandbox_resources) = pick(
            &config.resources,
            |_| Arc::new(SandboxResources::default()),
            |e| {
                Arc::new(HttpResources::new(e.into(), key(secrets::RESOURCES, "api_key"))) as Arc<dyn ResourceDirectory>
            },
            |s| s as Arc<dyn ResourceDirectory>,
        );
        let registry_clock = clock.clone();
        let (registry, _) = pick(
            &config.registry,
            |_| Arc::new(SandboxRegistry::new(registry_clock.clone())),
            |e| {
                Arc::new(HttpRegistry::new(e.into(), key(secrets::ENTERPRISE, "registry_api_key")))
                    as Arc<dyn BusinessRegistry>
            },
            |s| s as Arc<dyn BusinessRegistry>,
        );
        let payout_secret = shared_secret(secrets::ENTERPRISE, "payout_callback_secret");
        let payout_clock = clock.clone();
        let (payouts, sandbox_payouts) = pick(
            &config.payouts,
            |_| Arc::new(SandboxPayouts::new(payout_secret.clone(), payout_clock.clone())),
            |e| {
                Arc::new(HttpPayouts::new(e.into(), key(secrets::ENTERPRISE, "payout_api_key"), payout_secret.clone()))
                    as Arc<dyn PayoutProvider>
            },
            |s| s as Arc<dyn PayoutProvider>,
        );
        let (risk, _) = pick(
            &config.risk,
            |_| Arc::new(SandboxRisk),
            |e| Arc::new(HttpRisk::new(e.into(), key(secrets::ENTERPRISE, "risk_api_key"))) as Arc<dyn RiskRules>,
            |s| s as Arc<dyn RiskRules>,
        );
        let (identity_providers, sandbox_oauth) = identity_providers(&config.oauth, &values, clock.clone());
        let bank_signer = Arc::new(SignedBank::new(shared_secret(secrets::ENTERPRISE, "bank_notify_secret")));
        let mut sqs_config = aws_sdk_sqs::config::Builder::from(&sdk);
        let mut s3_config = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true);
        if let Some(recorder) = &recorder {
            sqs_config = sqs_config.interceptor(recorder.clone());
            s3_config = s3_config.interceptor(recorder.clone());
        }
        let sqs = aws_sdk_sqs::Client::from_conf(sqs_config.build());
        Ok(Services {
            clock,
            keys: Keys::from_parts(
                values.get(secrets::HASH_PEPPER, "pepper").map(str::as_bytes),
                data_key.as_ref(),
                values.token_keys().as_ref(),
            ),
            codes: store.clone(),
            accounts: store.clone(),
            sign_in: store.clone(),
            sessions: store.clone(),
            security: store.clone(),
            steps: store.clone(),
            store: store.clone(),
            kyc: store.clone(),
            enterprise: store.clone(),
            changes: store.clone(),
            deletions: store.clone(),
            sub_users: store.clone(),
            third_party: store.clone(),
            identity_providers: Arc::new(identity_providers),
            sandbox_oauth,
            cases: store.clone(),
            deadlines: store.clone(),
            deliveries: store,
            outbox: Arc::new(SqsOutbox::new(sqs.clone(), config.outbox_queue.clone())),
            review_queue: Arc::new(Queue::new(sqs.clone(), config.review_queue.clone())),
            expiry_queue: Arc::new(Queue::new(sqs, config.expiry_queue.clone())),
            uploads: Arc::new(S3Uploads::new(
                aws_sdk_s3::Client::from_conf(s3_config.build()),
                config.uploads_bucket.clone(),
            )),
            staff: Arc::new(CognitoStaff::new(config.staff.endpoint.clone(), config.staff.client_id.clone())),
            sms,
            email,
            face,
            bank_card,
            resources,
            sandbox_resources,
            registry,
            payouts,
            sandbox_payouts,
            inbound_bank: bank_signer.clone(),
            bank_signer,
            risk,
            sandbox_sms,
            sandbox_email,
            sandbox_face,
            dynamo_requests,
            kms_requests,
            secret_requests,
        })
    }

    /// The same services (clock, store, providers, counters) without the data key: what a
    /// function that handles no personal data gets.
    pub fn without_data_key(&self) -> Services {
        Services { keys: self.keys.dropping_data_key(), ..self.clone() }
    }

    /// The same services with only the keys a function that needs `needs` holds (the local
    /// gateway runs each function so; the outside parties are the sandboxes there).
    pub fn restricted(&self, needs: Needs) -> Services {
        let keys = self.keys.restricted(
            needs.data_key,
            needs.secrets.contains(secrets::HASH_PEPPER),
            needs.secrets.contains(secrets::TOKEN_KEYS),
        );
        Services { keys, ..self.clone() }
    }
}

/// The identity providers of third-party sign-in: each an OAuth 2.0 client over HTTP, to the
/// providers' real endpoints or to the sandbox provider (whose own side is returned with them).
fn identity_providers(
    config: &OAuthConfig,
    values: &SecretValues,
    clock: Arc<dyn Clock>,
) -> (IdentityProviders, Option<Arc<SandboxOAuth>>) {
    let client = |endpoints: Endpoints, id: String, secret: String| {
        Arc::new(HttpIdentityProvider::new(endpoints, id, secret)) as Arc<dyn IdentityProvider>
    };
    match config {
        OAuthConfig::Off => (IdentityProviders::default(), None),
        OAuthConfig::Sandbox { endpoint, redirect_uri } => {
            let sandbox = Arc::new(SandboxOAuth::new(crate::domain::ids::new_opaque_id(), clock));
            let providers = crate::domain::third_party::ThirdParty::ALL
                .into_iter()
                .map(|p| {
                    let endpoints = Endpoints::sandbox(endpoint, p);
                    (p, client(endpoints, sandbox_client_id(p), sandbox.client_secret().to_owned()))
                })
                .collect();
            (IdentityProviders { providers, redirect_uri: redirect_uri.clone() }, Some(sandbox))
        }
        OAuthConfig::Http { redirect_uri, clients } => {
            let providers = clients
                .iter()
                .map(|(p, id)| {
                    let secret =
                        values.get(secrets::OAUTH, &format!("{}_client_secret", p.as_str())).unwrap_or_default();
                    (*p, client(Endpoints::production(*p), id.clone(), secret.to_owned()))
                })
                .collect();
            (IdentityProviders { providers, redirect_uri: redirect_uri.clone() }, None)
        }
    }
}

/// The field-encryption key: as configured, or decrypted with KMS (one request, counted).
async fn data_key(sdk: &aws_config::SdkConfig, key: &DataKey, counter: &RequestCounter) -> Result<[u8; 32]> {
    match key {
        DataKey::Plain(key) => Ok(*key),
        DataKey::Kms { ciphertext } => {
            let kms = aws_sdk_kms::Client::from_conf(
                aws_sdk_kms::config::Builder::from(sdk).interceptor(counter.clone()).build(),
            );
            let out = kms
                .decrypt()
                .ciphertext_blob(aws_sdk_kms::primitives::Blob::new(ciphertext.clone()))
                .send()
                .await
                .map_err(|e| Error::internal("decrypt the data key with KMS", e))?;
            let plain =
                out.plaintext.ok_or_else(|| Error::internal("decrypt the data key with KMS", "no plaintext"))?;
            plain
                .into_inner()
                .try_into()
                .map_err(|_| Error::internal("decrypt the data key with KMS", "the data key is not 32 bytes"))
        }
    }
}
