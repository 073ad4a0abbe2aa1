//! The ports a use case may call, wired once per cold start.

use crate::adapters::dynamo::{self, DynamoStore, RequestCounter};
use crate::adapters::sms::{HttpSms, SandboxSms};
use crate::config::{Config, SmsProvider};
use crate::crypto::Keys;
use crate::ports::{AccountStore, Clock, CodeStore, FlowStore, SecurityStore, SessionStore, SignInStore, SmsSender};
use std::sync::Arc;

pub struct Services {
    pub clock: Arc<dyn Clock>,
    pub keys: Keys,
    pub codes: Arc<dyn CodeStore>,
    pub accounts: Arc<dyn AccountStore>,
    pub sign_in: Arc<dyn SignInStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub security: Arc<dyn SecurityStore>,
    pub flows: Arc<dyn FlowStore>,
    pub sms: Arc<dyn SmsSender>,
    /// Present only when the sandbox SMS provider is configured: its readable outbox.
    pub sandbox_sms: Option<Arc<SandboxSms>>,
    /// DynamoDB requests sent so far by this instance.
    pub dynamo_requests: RequestCounter,
}

impl Services {
    /// Builds clients and adapters for `config`. The AWS endpoint comes from the usual SDK
    /// environment (`AWS_ENDPOINT_URL` points it at the local emulator).
    pub async fn from_config(config: &Config, clock: Arc<dyn Clock>) -> Services {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let dynamo_requests = RequestCounter::default();
        let store = Arc::new(DynamoStore::new(dynamo::client(&sdk, &dynamo_requests), config.tables.clone()));
        let (sms, sandbox_sms): (Arc<dyn SmsSender>, _) = match &config.sms {
            SmsProvider::Sandbox { outbox_file } => {
                let sandbox = Arc::new(SandboxSms::new(outbox_file.clone()));
                (sandbox.clone(), Some(sandbox))
            }
            SmsProvider::Http { endpoint, api_key } => {
                (Arc::new(HttpSms::new(endpoint.clone(), api_key.clone())), None)
            }
        };
        let s = &config.secrets;
        Services {
            clock,
            keys: Keys::new(&s.hash_pepper, &s.data_key, &s.jwt_secret),
            codes: store.clone(),
            accounts: store.clone(),
            sign_in: store.clone(),
            sessions: store.clone(),
            security: store.clone(),
            flows: store,
            sms,
            sandbox_sms,
            dynamo_requests,
        }
    }
}
