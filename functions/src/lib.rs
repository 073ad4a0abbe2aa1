//! Driving adapters: one handler per use case. A handler takes what it needs from the request as
//! typed arguments ([`extract`]), calls ONE use case and maps its result to a response. The
//! [`registry`] is the one list of Lambdas; each Lambda's bin (`src/bin/`) names its handler and
//! hands it, with the state its row asks for, to the Lambda runtime; the local gateway and the
//! tests call the very same handlers.

pub mod accounts;
pub mod agreements;
pub mod answers;
pub mod api;
pub mod api_doc;
pub mod authorizer;
pub mod cases;
pub mod changes;
pub mod codes;
pub mod contact;
pub mod dashboard;
pub mod deletion;
pub mod enterprise;
pub mod extract;
pub mod fallback;
pub mod kyc;
pub mod lambda;
pub mod mfa;
pub mod passkeys;
pub mod qr;
pub mod recovery;
pub mod registry;
pub mod review;
pub mod security;
pub mod sessions;
pub mod state;
pub mod sub_users;
pub mod third_party;
pub mod workers;

pub use state::AppState;
