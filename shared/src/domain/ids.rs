//! Opaque identifiers drawn from the operating system's CSPRNG.

use rand::{rngs::OsRng, RngCore};

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// The cloud's immutable account id: 32 hex characters.
pub fn new_account_id() -> String {
    random_hex(16)
}

/// Session ids and verification-request ids: 128 random bits.
pub fn new_opaque_id() -> String {
    random_hex(16)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_long_and_distinct() {
        let a = super::new_account_id();
        assert_eq!(a.len(), 32);
        assert_ne!(a, super::new_account_id());
    }
}
