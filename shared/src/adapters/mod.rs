//! Adapters behind the ports: DynamoDB stores, SMS providers and clocks.

pub mod clock;
pub mod dynamo;
pub mod sms;
