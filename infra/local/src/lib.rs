//! The local environment: reads template.yaml, provisions the emulator from it, and runs the
//! local API gateway in front of the very handlers the Lambdas run.

pub mod gateway;
pub mod jwt;
pub mod openapi;
pub mod permissions;
pub mod provision;
pub mod route_table;
pub mod sandbox;
pub mod secret_admin;
pub mod server;
pub mod settings;
pub mod staff;
pub mod staff_admin;
pub mod staff_issuer;
pub mod template;

pub use gateway::Gateway;
pub use template::Template;
