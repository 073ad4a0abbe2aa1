//! Ports: one narrow trait per capability, by area. The DynamoDB adapter implements the stores;
//! outside parties have a production and a sandbox adapter.

mod accounts;
mod changes;
mod codes;
mod deletion;
mod enterprise;
mod flows;
mod kyc;
mod outbox;
mod passkeys;
mod providers;
mod review;
mod security;
mod sessions;
mod steps;
mod sub_users;
mod third_party;

pub use accounts::*;
pub use changes::*;
pub use codes::*;
pub use deletion::*;
pub use enterprise::*;
pub use flows::*;
pub use kyc::*;
pub use outbox::*;
pub use passkeys::*;
pub use providers::*;
pub use review::*;
pub use security::*;
pub use sessions::*;
pub use steps::*;
pub use sub_users::*;
pub use third_party::*;

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}
pub use crate::domain::account::Profile;
