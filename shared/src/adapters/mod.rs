//! Adapters behind the ports: DynamoDB stores, outside providers (production and sandbox) and
//! clocks.

pub mod bank_card;
pub mod calls;
pub mod clock;
pub mod dynamo;
pub mod email;
pub mod enterprise;
pub mod face;
pub mod http_client;
pub mod http_json;
pub mod oauth;
pub mod outbox;
pub mod passkeys;
pub mod resources;
pub mod s3;
pub mod sms;
pub mod sqs;
pub mod staff;
