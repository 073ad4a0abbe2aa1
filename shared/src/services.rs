//! The ports a use case may call, wired once per cold start.

use crate::adapters::bank_card::{HttpBankCard, SandboxBankCard};
use crate::adapters::calls::CallRecorder;
use crate::adapters::dynamo::{self, DynamoStore, RequestCounter};
use crate::adapters::email::{HttpEmail, SandboxEmail};
use crate::adapters::enterprise::{
    HttpPayouts, HttpRegistry, HttpRisk, SandboxPayouts, SandboxRegistry, SandboxRisk, SignedBank,
};
use crate::adapters::face::{HttpFace, SandboxFace};
use crate::adapters::http_json::ApiKey;
use crate::adapters::oauth::{sandbox_client_id, Endpoints, HttpIdentityProvider, SandboxOAuth};
use crate::adapters::resources::{HttpResources, SandboxResources};
use crate::adapters::s3::{S3Links, S3Uploads};
use crate::adapters::sms::{HttpSms, SandboxSms};
use crate::adapters::sqs::{Queue, SqsOutbox};
use crate::adapters::staff::CognitoStaff;
use crate::config::{Config, DataKey, OAuthConfig, Provider};
use crate::crypto::Keys;
use crate::error::{Error, Result};
use crate::ports::{
    BankCardCheck, BusinessRegistry, Clock, EmailSender, ExpiryQueue, FaceCheck, IdentityProvider, IdentityProviders,
    Outbox, PasskeyCeremonies, PayoutProvider, RecoveryQueue, ResourceDirectory, ReviewQueue, RiskRules, SmsSender,
    StaffDirectory, UploadErasure, UploadLinks, UploadStore,
};
use crate::secrets::{self, SecretGroup, SecretSet, SecretValues};
use std::sync::{Arc, OnceLock};

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
    /// The DynamoDB store behind every store port (each port's accessor is in
    /// [`crate::usecases::deps`]) and the flow stores.
    pub store: Arc<DynamoStore>,
    /// Every other adapter, built the first time a use case asks for it.
    pub(crate) adapters: Arc<Adapters>,
    /// The receiving accounts' bank as a signer (the local sandbox "sends" transfers with it).
    pub bank_signer: Arc<SignedBank>,
    /// DynamoDB requests sent so far by this instance.
    pub dynamo_requests: RequestCounter,
    /// KMS requests sent by this instance (the data key's decryption at cold start, if needed).
    pub kms_requests: RequestCounter,
    /// Secrets Manager requests sent by this instance (one per secret group it needs, at cold start).
    pub secret_requests: RequestCounter,
}

/// The adapters other than the DynamoDB store: the queues (SQS), the uploads (S3), the staff
/// directory and the outside parties. Each is built the first time a use case asks for it, so a
/// function's binary links only the clients its handler reaches (the linker drops the rest), and
/// a cold start builds none it does not use.
pub(crate) struct Adapters {
    sdk: aws_config::SdkConfig,
    recorder: Option<CallRecorder>,
    config: Config,
    values: SecretValues,
    /// Shared secrets a function did not read are random (see [`Services::from_config`]).
    face_callback_secret: Vec<u8>,
    payout_callback_secret: Vec<u8>,
    sms: Party<SandboxSms, dyn SmsSender>,
    email: Party<SandboxEmail, dyn EmailSender>,
    face: Party<SandboxFace, dyn FaceCheck>,
    bank_card: Party<SandboxBankCard, dyn BankCardCheck>,
    resources: Party<SandboxResources, dyn ResourceDirectory>,
    registry: Party<SandboxRegistry, dyn BusinessRegistry>,
    payouts: Party<SandboxPayouts, dyn PayoutProvider>,
    risk: Party<SandboxRisk, dyn RiskRules>,
    sandbox_oauth: Option<Arc<SandboxOAuth>>,
    sqs: OnceLock<aws_sdk_sqs::Client>,
    outbox: OnceLock<Arc<dyn Outbox>>,
    review_queue: OnceLock<Arc<dyn ReviewQueue>>,
    expiry_queue: OnceLock<Arc<dyn ExpiryQueue>>,
    recovery_queue: OnceLock<Arc<dyn RecoveryQueue>>,
    s3: OnceLock<S3Uploads>,
    upload_links: OnceLock<Arc<dyn UploadLinks>>,
    staff: OnceLock<Arc<dyn StaffDirectory>>,
    identity_providers: OnceLock<IdentityProviders>,
    passkey_party: OnceLock<Arc<dyn PasskeyCeremonies>>,
}

/// An outside party as configured - the sandbox (built at cold start: the local tools read its
/// outbox) or the production adapter's endpoint - and its port, built on first use.
struct Party<S, T: ?Sized> {
    configured: Configured<S>,
    port: OnceLock<Arc<T>>,
}

enum Configured<S> {
    Sandbox(Arc<S>),
    Http(String),
}

impl<S, T: ?Sized> Party<S, T> {
    fn new(provider: &Provider, sandbox: impl FnOnce(&Option<std::path::PathBuf>) -> S) -> Self {
        let configured = match provider {
            Provider::Sandbox { outbox_file } => Configured::Sandbox(Arc::new(sandbox(outbox_file))),
            Provider::Http { endpoint } => Configured::Http(endpoint.clone()),
        };
        Party { configured, port: OnceLock::new() }
    }

    fn sandbox(&self) -> Option<&Arc<S>> {
        match &self.configured {
            Configured::Sandbox(s) => Some(s),
            Configured::Http(_) => None,
        }
    }

    /// The port: the sandbox, or what `http` builds from the endpoint.
    fn port(&self, upcast: impl FnOnce(Arc<S>) -> Arc<T>, http: impl FnOnce(String) -> Arc<T>) -> &T {
        self.port
            .get_or_init(|| match &self.configured {
                Configured::Sandbox(s) => upcast(s.clone()),
                Configured::Http(endpoint) => http(endpoint.clone()),
            })
            .as_ref()
    }
}

impl Adapters {
    /// A key of a secret group this function read, or why it is missing (the group not read, or
    /// not filled yet): a call that needs it then fails, not the function's start.
    fn key(&self, group: SecretGroup, name: &str) -> ApiKey {
        match self.values.get(group, name) {
            Some(key) => ApiKey::given(key),
            None => ApiKey::missing(format!("{} has no `{name}`: fill the group (README, Secrets)", group.logical_id)),
        }
    }

    /// The SQS client: a send whose answer was lost (a `500` after the queue took it) or that was
    /// throttled is sent again, from a retry budget of its own that a burst of such answers
    /// cannot exhaust (the SDK's default budget is shared by every client of the process, and once
    /// spent it stops retrying: the outbox's enqueue then failed the whole request). A repeated
    /// send is harmless: every consumer takes a message at least once already.
    fn sqs(&self) -> &aws_sdk_sqs::Client {
        self.sqs.get_or_init(|| {
            use aws_sdk_sqs::config::retry::{RetryConfig, RetryPartition, TokenBucket};
            let partition = RetryPartition::custom("account-centre-sqs").token_bucket(TokenBucket::unlimited()).build();
            let mut config = aws_sdk_sqs::config::Builder::from(&self.sdk)
                .retry_config(RetryConfig::standard().with_max_attempts(5))
                .retry_partition(partition);
            if let Some(recorder) = &self.recorder {
                config = config.interceptor(recorder.clone());
            }
            aws_sdk_sqs::Client::from_conf(config.build())
        })
    }

    pub(crate) fn outbox(&self) -> &dyn Outbox {
        self.outbox
            .get_or_init(|| Arc::new(SqsOutbox::new(self.sqs().clone(), self.config.outbox_queue.clone())))
            .as_ref()
    }

    pub(crate) fn review_queue(&self) -> &dyn ReviewQueue {
        self.review_queue
            .get_or_init(|| Arc::new(Queue::new(self.sqs().clone(), self.config.review_queue.clone())))
            .as_ref()
    }

    pub(crate) fn expiry_queue(&self) -> &dyn ExpiryQueue {
        self.expiry_queue
            .get_or_init(|| Arc::new(Queue::new(self.sqs().clone(), self.config.expiry_queue.clone())))
            .as_ref()
    }

    pub(crate) fn recovery_queue(&self) -> &dyn RecoveryQueue {
        self.recovery_queue
            .get_or_init(|| Arc::new(Queue::new(self.sqs().clone(), self.config.recovery_queue.clone())))
            .as_ref()
    }

    fn s3(&self) -> &S3Uploads {
        self.s3.get_or_init(|| {
            let mut config = aws_sdk_s3::config::Builder::from(&self.sdk).force_path_style(true);
            if let Some(recorder) = &self.recorder {
                config = config.interceptor(recorder.clone());
            }
            S3Uploads::new(aws_sdk_s3::Client::from_conf(config.build()), self.config.uploads_bucket.clone())
        })
    }

    pub(crate) fn uploads(&self) -> &dyn UploadStore {
        self.s3()
    }

    pub(crate) fn upload_erasure(&self) -> &dyn UploadErasure {
        self.s3()
    }

    /// Presigned links, signed without the S3 client (see [`S3Links`]).
    pub(crate) fn upload_links(&self) -> &dyn UploadLinks {
        self.upload_links
            .get_or_init(|| {
                Arc::new(S3Links::new(&self.sdk, self.config.uploads_bucket.clone(), self.recorder.clone()))
            })
            .as_ref()
    }

    /// The WebAuthn relying party, as configured; without one, every ceremony answers that
    /// passkeys are off [KEY-1].
    pub(crate) fn passkey_party(&self) -> &dyn PasskeyCeremonies {
        self.passkey_party
            .get_or_init(|| match self.config.passkeys.as_ref().map(crate::adapters::passkeys::WebauthnParty::new) {
                Some(Ok(party)) => Arc::new(party),
                Some(Err(e)) => {
                    tracing::error!(error = %e, "the passkey relying party's configuration is not usable");
                    Arc::new(crate::adapters::passkeys::PasskeysOff)
                }
                None => Arc::new(crate::adapters::passkeys::PasskeysOff),
            })
            .as_ref()
    }

    pub(crate) fn staff(&self) -> &dyn StaffDirectory {
        self.staff
            .get_or_init(|| match self.config.staff_issuer {
                Some(_) => Arc::new(crate::adapters::staff::IssuerStaff),
                None => {
                    let pool = &self.config.staff;
                    Arc::new(CognitoStaff::new(pool.endpoint.clone(), pool.client_id.clone()))
                }
            })
            .as_ref()
    }

    /// The identity providers of third-party sign-in: each an OAuth 2.0 client over HTTP, to the
    /// providers' real endpoints or to the sandbox provider.
    pub(crate) fn identity_providers(&self) -> &IdentityProviders {
        self.identity_providers.get_or_init(|| {
            let client = |endpoints: Endpoints, id: String, secret: String| {
                Arc::new(HttpIdentityProvider::new(endpoints, id, secret)) as Arc<dyn IdentityProvider>
            };
            match (&self.config.oauth, &self.sandbox_oauth) {
                (OAuthConfig::Sandbox { endpoint, redirect_uri }, Some(sandbox)) => {
                    let providers = crate::domain::third_party::ThirdParty::ALL
                        .into_iter()
                        .map(|p| {
                            let endpoints = Endpoints::sandbox(endpoint, p);
                            (p, client(endpoints, sandbox_client_id(p), sandbox.client_secret().to_owned()))
                        })
                        .collect();
                    IdentityProviders { providers, redirect_uri: redirect_uri.clone() }
                }
                (OAuthConfig::Http { redirect_uri, clients }, _) => {
                    let providers = clients
                        .iter()
                        .map(|(p, id)| {
                            let name = format!("{}_client_secret", p.as_str());
                            let secret = self.values.get(secrets::OAUTH, &name).unwrap_or_default().to_owned();
                            (*p, client(Endpoints::production(*p), id.clone(), secret))
                        })
                        .collect();
                    IdentityProviders { providers, redirect_uri: redirect_uri.clone() }
                }
                _ => IdentityProviders::default(),
            }
        })
    }
}

/// The outside parties' accessors: the sandbox as configured, or the production adapter over
/// HTTP that `$http` builds from the endpoint (`$this` is the adapters), on first use.
macro_rules! outside_parties {
    ($($method:ident: $port:ident, |$this:ident, $endpoint:ident| $http:expr;)*) => {
        impl Adapters {
            $(
                pub(crate) fn $method(&self) -> &dyn $port {
                    let $this = self;
                    self.$method.port(|s| s as Arc<dyn $port>, |$endpoint| Arc::new($http))
                }
            )*
        }
    };
}

outside_parties! {
    sms: SmsSender, |a, e| HttpSms::new(e, a.key(secrets::MESSAGING, "sms_api_key"));
    email: EmailSender, |a, e| HttpEmail::new(e, a.key(secrets::MESSAGING, "email_api_key"));
    face: FaceCheck,
        |a, e| HttpFace::new(e, a.key(secrets::FACE, "api_key"), a.face_callback_secret.clone());
    bank_card: BankCardCheck, |a, e| HttpBankCard::new(e, a.key(secrets::BANK_CARD, "api_key"));
    resources: ResourceDirectory,
        |a, e| HttpResources::new(e, a.key(secrets::RESOURCES, "api_key"));
    registry: BusinessRegistry,
        |a, e| HttpRegistry::new(e, a.key(secrets::REGISTRY, "registry_api_key"));
    payouts: PayoutProvider,
        |a, e| HttpPayouts::new(e, a.key(secrets::PAYOUT, "payout_api_key"), a.payout_callback_secret.clone());
    risk: RiskRules, |a, e| HttpRisk::new(e, a.key(secrets::RISK, "risk_api_key"));
}

// ---- what the use cases may use (their capability traits, `usecases/deps.rs`) ----------------

crate::usecases::deps::provide_capabilities!(crate::services::Services);

impl crate::usecases::deps::HasClock for Services {
    fn clock(&self) -> &dyn crate::ports::Clock {
        self.clock.as_ref()
    }
}

impl crate::usecases::deps::HasInboundBank for Services {
    fn inbound_bank(&self) -> &dyn crate::ports::InboundBank {
        self.bank_signer.as_ref()
    }
}

impl crate::usecases::deps::HasIdentityProviders for Services {
    fn identity_providers(&self) -> &crate::ports::IdentityProviders {
        self.adapters.identity_providers()
    }
}

impl crate::usecases::deps::HasKeys for Services {
    fn keys(&self) -> &Keys {
        &self.keys
    }
}

impl crate::usecases::deps::HasFlows for Services {
    fn flows<F: crate::domain::flow::Flow>(&self) -> &dyn crate::ports::FlowStore<F> {
        self.store.as_ref()
    }
}

impl Services {
    /// Builds the DynamoDB store and reads what a cold start must: the data key only if `needs`
    /// says so (a KMS data key is then decrypted here, once) and only the secret groups `needs`
    /// names (one Secrets Manager call each), all at the same time. The other adapters are built
    /// when first used. The AWS endpoint comes from the usual SDK environment (`AWS_ENDPOINT_URL`
    /// points it at the local emulator).
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
        // A shared secret this function did not read is random: nothing it signs or checks with
        // it is valid anywhere.
        let shared_secret = |group, name: &str| match values.get(group, name) {
            Some(v) => v.as_bytes().to_vec(),
            None => crate::domain::ids::new_opaque_id().into_bytes(),
        };
        let face_callback_secret = shared_secret(secrets::FACE_CALLBACK, "callback_secret");
        let payout_callback_secret = shared_secret(secrets::PAYOUT_CALLBACK, "payout_callback_secret");
        let bank_signer = Arc::new(SignedBank::new(shared_secret(secrets::BANK_NOTIFY, "bank_notify_secret")));
        let sms = Party::new(&config.sms, |f| SandboxSms::new(f.clone()));
        let email = Party::new(&config.email, |f| SandboxEmail::new(f.clone()));
        let face = Party::new(&config.face, |_| SandboxFace::new(face_callback_secret.clone()));
        let bank_card = Party::new(&config.bank_card, |_| SandboxBankCard::default());
        let resources = Party::new(&config.resources, |_| SandboxResources::default());
        let registry = Party::new(&config.registry, |_| SandboxRegistry::new(clock.clone()));
        let payouts =
            Party::new(&config.payouts, |_| SandboxPayouts::new(payout_callback_secret.clone(), clock.clone()));
        let risk = Party::new(&config.risk, |_| SandboxRisk);
        let sandbox_oauth = match &config.oauth {
            OAuthConfig::Sandbox { .. } => {
                Some(Arc::new(SandboxOAuth::new(crate::domain::ids::new_opaque_id(), clock.clone())))
            }
            _ => None,
        };
        let keys = Keys::from_parts(
            values.get(secrets::HASH_PEPPER, "pepper").map(str::as_bytes),
            data_key.as_ref(),
            values.token_keys().as_ref(),
            &config.token_public_keys,
        );
        let adapters = Arc::new(Adapters {
            sdk,
            recorder,
            config: config.clone(),
            values,
            face_callback_secret,
            payout_callback_secret,
            sms,
            email,
            face,
            bank_card,
            resources,
            registry,
            payouts,
            risk,
            sandbox_oauth,
            sqs: OnceLock::new(),
            outbox: OnceLock::new(),
            review_queue: OnceLock::new(),
            expiry_queue: OnceLock::new(),
            recovery_queue: OnceLock::new(),
            s3: OnceLock::new(),
            upload_links: OnceLock::new(),
            staff: OnceLock::new(),
            identity_providers: OnceLock::new(),
            passkey_party: OnceLock::new(),
        });
        Ok(Services { clock, keys, store, adapters, bank_signer, dynamo_requests, kms_requests, secret_requests })
    }

    /// The sandbox SMS provider's own side (its outbox), where it is configured.
    pub fn sandbox_sms(&self) -> Option<&Arc<SandboxSms>> {
        self.adapters.sms.sandbox()
    }

    /// The sandbox email provider's own side (its outbox), where it is configured.
    pub fn sandbox_email(&self) -> Option<&Arc<SandboxEmail>> {
        self.adapters.email.sandbox()
    }

    /// The sandbox face-check provider's own side (the face app), where it is configured.
    pub fn sandbox_face(&self) -> Option<&Arc<SandboxFace>> {
        self.adapters.face.sandbox()
    }

    /// The sandbox platform directory's own side, where it is configured.
    pub fn sandbox_resources(&self) -> Option<&Arc<SandboxResources>> {
        self.adapters.resources.sandbox()
    }

    /// The sandbox payout provider's own side, where it is configured.
    pub fn sandbox_payouts(&self) -> Option<&Arc<SandboxPayouts>> {
        self.adapters.payouts.sandbox()
    }

    /// Third-party sign-in's sandbox provider (its own side, which the local gateway serves).
    pub fn sandbox_oauth(&self) -> Option<&Arc<SandboxOAuth>> {
        self.adapters.sandbox_oauth.as_ref()
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
