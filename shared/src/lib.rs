//! The account centre's core: domain rules (pure, no I/O), ports (narrow traits),
//! use cases (orchestration of domain and ports) and adapters (DynamoDB, SMS providers).
//!
//! Data flows one way: `functions` parse requests into domain types and call one use case;
//! use cases call ports; adapters implement ports.

pub mod adapters;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod ports;
pub mod secrets;
pub mod services;
pub mod tables;
pub mod usecases;

pub use error::{Error, Result};
pub use services::Services;
