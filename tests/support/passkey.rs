//! A software passkey written to the WebAuthn spec (Level 3, §6) for the tests [KEY-1]: ES256
//! (P-256) keys, discoverable credentials (each assertion returns the user handle), "none"
//! attestation, user presence and verification flagged, and a signature counter per credential
//! that a test may turn back (a cloned key). It answers the options the server sends
//! (`{"publicKey": {...}}`) with the JSON a browser's `navigator.credentials` would give.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

struct Credential {
    id: Vec<u8>,
    rp_id: String,
    user_handle: Vec<u8>,
    key: EcdsaKeyPair,
    counter: u32,
}

/// An authenticator holding any number of passkeys.
#[derive(Default)]
pub struct TestPasskey {
    credentials: Vec<Credential>,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).expect("base64url from the server")
}

// ---- the few CBOR items an attestation needs (RFC 8949) ----

fn cbor_head(major: u8, len: usize, out: &mut Vec<u8>) {
    match len {
        0..=23 => out.push(major << 5 | len as u8),
        24..=255 => out.extend([major << 5 | 24, len as u8]),
        _ => {
            out.push(major << 5 | 25);
            out.extend((len as u16).to_be_bytes());
        }
    }
}

fn cbor_int(value: i64, out: &mut Vec<u8>) {
    if value >= 0 {
        cbor_head(0, value as usize, out);
    } else {
        cbor_head(1, (-1 - value) as usize, out);
    }
}

fn cbor_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    cbor_head(2, bytes.len(), out);
    out.extend(bytes);
}

fn cbor_text(text: &str, out: &mut Vec<u8>) {
    cbor_head(3, text.len(), out);
    out.extend(text.as_bytes());
}

/// The credential's public key as a COSE_Key: EC2, ES256, P-256, x, y.
fn cose_key(key: &EcdsaKeyPair) -> Vec<u8> {
    // Uncompressed: 0x04, x, y.
    let point = key.public_key().as_ref();
    let mut out = vec![];
    cbor_head(5, 5, &mut out);
    cbor_int(1, &mut out);
    cbor_int(2, &mut out); // kty: EC2
    cbor_int(3, &mut out);
    cbor_int(-7, &mut out); // alg: ES256
    cbor_int(-1, &mut out);
    cbor_int(1, &mut out); // crv: P-256
    cbor_int(-2, &mut out);
    cbor_bytes(&point[1..33], &mut out);
    cbor_int(-3, &mut out);
    cbor_bytes(&point[33..65], &mut out);
    out
}

/// User present, user verified.
const UP_UV: u8 = 0x01 | 0x04;
/// ... with attested credential data.
const UP_UV_AT: u8 = UP_UV | 0x40;

fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    json!({ "type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false }).to_string().into_bytes()
}

impl TestPasskey {
    /// Makes a passkey for the options' relying party and user (`navigator.credentials.create`
    /// from `origin`): the registration response.
    pub fn register(&mut self, options: &Value, origin: &str) -> Value {
        let o = &options["publicKey"];
        let rp_id = o["rp"]["id"].as_str().expect("rp.id").to_owned();
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("a P-256 key");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).expect("its pair");
        let id: Vec<u8> = (0..32).map(|_| rand::random::<u8>()).collect();
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(UP_UV_AT);
        auth_data.extend(0u32.to_be_bytes());
        auth_data.extend([0u8; 16]); // AAGUID: none
        auth_data.extend((id.len() as u16).to_be_bytes());
        auth_data.extend(&id);
        auth_data.extend(cose_key(&key));
        let mut attestation = vec![];
        cbor_head(5, 3, &mut attestation);
        cbor_text("fmt", &mut attestation);
        cbor_text("none", &mut attestation);
        cbor_text("attStmt", &mut attestation);
        cbor_head(5, 0, &mut attestation);
        cbor_text("authData", &mut attestation);
        cbor_bytes(&auth_data, &mut attestation);
        let data = client_data("webauthn.create", o["challenge"].as_str().expect("challenge"), origin);
        let user_handle = unb64(o["user"]["id"].as_str().expect("user.id"));
        self.credentials.push(Credential { id: id.clone(), rp_id, user_handle, key, counter: 0 });
        json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "response": { "attestationObject": b64(&attestation), "clientDataJSON": b64(&data), "transports": ["internal"] },
            "extensions": {},
        })
    }

    /// Signs the options' challenge (`navigator.credentials.get` from `origin`) with the passkey
    /// they allow, or (none listed: a discoverable sign-in) the newest one of their relying
    /// party: the assertion, its counter one more than the last.
    pub fn sign_in(&mut self, options: &Value, origin: &str) -> Value {
        let o = &options["publicKey"];
        let rp_id = o["rpId"].as_str().expect("rpId");
        let allowed: Vec<Vec<u8>> = o["allowCredentials"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| unb64(c["id"].as_str().expect("id")))
            .collect();
        let credential = self
            .credentials
            .iter_mut()
            .rev()
            .find(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))
            .expect("a passkey for this relying party");
        credential.counter += 1;
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(UP_UV);
        auth_data.extend(credential.counter.to_be_bytes());
        let data = client_data("webauthn.get", o["challenge"].as_str().expect("challenge"), origin);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&data));
        let signature = credential.key.sign(&SystemRandom::new(), &signed).expect("ES256 signs");
        json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&data),
                "signature": b64(signature.as_ref()),
                "userHandle": b64(&credential.user_handle),
            },
            "extensions": {},
        })
    }

    /// Turns the newest passkey's counter back, as a copy of the key made earlier would sign.
    pub fn turn_counter_back(&mut self, to: u32) {
        if let Some(c) = self.credentials.last_mut() {
            c.counter = to;
        }
    }
}
