//! Driving adapters: one handler per use case. A handler parses the request into domain types,
//! calls ONE use case and maps its result to a response. Each Lambda's bin (`src/bin/`) is a
//! doorway that hands a handler from the [`registry`] to the Lambda runtime; the local gateway and
//! the tests call the very same handlers.

pub mod accounts;
pub mod api;
pub mod authorizer;
pub mod codes;
pub mod contact;
pub mod fallback;
pub mod kyc;
pub mod lambda;
pub mod mfa;
pub mod qr;
pub mod recovery;
pub mod registry;
pub mod security;
pub mod sessions;
pub mod state;

pub use state::AppState;
