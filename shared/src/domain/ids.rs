//! Opaque identifiers drawn from the operating system's CSPRNG, each its own type so an account
//! id cannot be passed where a session id belongs.

use rand::{rngs::OsRng, RngCore};
use serde::{Deserialize, Serialize};
use std::fmt;

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// A secret for a client to present once (256 bits, hex): stored only as its keyed hash.
pub fn secret_token() -> String {
    random_hex(32)
}

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new random id (128 bits).
            pub fn generate() -> Self {
                $name(random_hex(16))
            }

            /// An id as the client or the store gave it (opaque: any text is a well-formed id,
            /// a wrong one simply matches nothing).
            pub fn from_raw(raw: impl Into<String>) -> Self {
                $name(raw.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        /// Lets a JSON answer be compared with an id.
        impl PartialEq<$name> for serde_json::Value {
            fn eq(&self, other: &$name) -> bool {
                self.as_str() == Some(other.as_str())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

opaque_id!(
    /// The cloud's immutable account id: 32 hex characters.
    AccountId
);
opaque_id!(
    /// A console session.
    SessionId
);
opaque_id!(
    /// A stored multi-step flow (pending sign-in, phone change, QR ticket, ...).
    FlowId
);
opaque_id!(
    /// One verification code sent (the request id the client quotes with the code).
    ChallengeId
);

/// Other opaque ids (provider references, secrets shown once): 128 random bits.
pub fn new_opaque_id() -> String {
    random_hex(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_long_and_distinct() {
        let a = AccountId::generate();
        assert_eq!(a.as_str().len(), 32);
        assert_ne!(a, AccountId::generate());
    }
}
