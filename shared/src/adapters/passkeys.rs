//! The WebAuthn relying party [KEY-1]: `webauthn-rs` (kanidm's; passkey ceremonies, no
//! attestation CA lists), built from configuration. The ceremony states travel as JSON into
//! stored flows; options and answers as the JSON browsers give and take.

use crate::config::RelyingParty;
use crate::error::{Error, Result};
use crate::ports::{Assertion, CeremonyBegun, NewPasskey, PasskeyCeremonies};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use url::Url;
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    Webauthn, WebauthnBuilder, WebauthnError,
};

pub struct WebauthnParty {
    webauthn: Webauthn,
}

fn fault(what: &'static str) -> impl Fn(WebauthnError) -> Error {
    move |e| Error::internal(what, e)
}

fn json_fault(what: &'static str) -> impl Fn(serde_json::Error) -> Error {
    move |e| Error::internal(what, e)
}

impl WebauthnParty {
    pub fn new(rp: &RelyingParty) -> Result<WebauthnParty> {
        let url = |o: &String| Url::parse(o).map_err(|e| Error::internal("a passkey origin", e));
        let (first, rest) = rp.origins.split_first().ok_or_else(|| Error::internal("passkeys", "no origin"))?;
        let first = url(first)?;
        let mut builder = WebauthnBuilder::new(&rp.id, &first).map_err(fault("the passkey relying party"))?;
        for origin in rest {
            builder = builder.append_allowed_origin(&url(origin)?);
        }
        let webauthn =
            builder.allow_any_port(rp.any_port).rp_name("Cloud account").build().map_err(fault("the relying party"))?;
        Ok(WebauthnParty { webauthn })
    }
}

impl PasskeyCeremonies for WebauthnParty {
    fn begin_registration(&self, handle: [u8; 16], name: &str, exclude: &[String]) -> Result<CeremonyBegun> {
        let exclude = exclude.iter().filter_map(|id| URL_SAFE_NO_PAD.decode(id).ok()).collect();
        let (options, state) = self
            .webauthn
            .start_passkey_registration(Uuid::from_bytes(handle), name, name, Some(exclude))
            .map_err(fault("begin a passkey registration"))?;
        let mut options = serde_json::to_value(options).map_err(json_fault("encode registration options"))?;
        // A discoverable credential, so that it also signs in without a username [KEY-1].
        options["publicKey"]["authenticatorSelection"]["residentKey"] = Value::from("required");
        options["publicKey"]["authenticatorSelection"]["requireResidentKey"] = Value::from(true);
        let state = serde_json::to_string(&state).map_err(json_fault("encode a registration state"))?;
        Ok(CeremonyBegun { options, state })
    }

    fn finish_registration(&self, answer: &Value, state: &str) -> Result<Option<NewPasskey>> {
        let Ok(answer) = serde_json::from_value::<RegisterPublicKeyCredential>(answer.clone()) else { return Ok(None) };
        let state: PasskeyRegistration = serde_json::from_str(state).map_err(json_fault("decode a registration"))?;
        let authenticator = answer
            .response
            .transports
            .as_ref()
            .map(|t| {
                if t.iter().any(|t| format!("{t:?}").eq_ignore_ascii_case("internal")) {
                    "platform"
                } else {
                    "cross-platform"
                }
            })
            .map(str::to_owned);
        let Ok(passkey) = self.webauthn.finish_passkey_registration(&answer, &state) else { return Ok(None) };
        Ok(Some(NewPasskey {
            passkey_id: URL_SAFE_NO_PAD.encode::<&[u8]>(passkey.cred_id().as_ref()),
            key: serde_json::to_string(&passkey).map_err(json_fault("encode a passkey"))?,
            authenticator,
        }))
    }

    fn begin_sign_in(&self) -> Result<CeremonyBegun> {
        let (options, state) =
            self.webauthn.start_discoverable_authentication().map_err(fault("begin a passkey sign-in"))?;
        let mut options = serde_json::to_value(options).map_err(json_fault("encode sign-in options"))?;
        // A sign-in button, not the autofill prompt: the browser shows its passkey chooser.
        if let Some(o) = options.as_object_mut() {
            o.remove("mediation");
        }
        let state = serde_json::to_string(&state).map_err(json_fault("encode a sign-in state"))?;
        Ok(CeremonyBegun { options, state })
    }

    fn identify(&self, answer: &Value) -> Option<([u8; 16], String)> {
        let answer = serde_json::from_value::<PublicKeyCredential>(answer.clone()).ok()?;
        let (user, id) = self.webauthn.identify_discoverable_authentication(&answer).ok()?;
        Some((*user.as_bytes(), URL_SAFE_NO_PAD.encode(id)))
    }

    fn finish_sign_in(&self, answer: &Value, state: &str, key: &str) -> Result<Assertion> {
        let Ok(answer) = serde_json::from_value::<PublicKeyCredential>(answer.clone()) else {
            return Ok(Assertion::Refused);
        };
        let state: DiscoverableAuthentication = serde_json::from_str(state).map_err(json_fault("decode a sign-in"))?;
        let mut passkey: Passkey = serde_json::from_str(key).map_err(json_fault("decode a passkey"))?;
        match self.webauthn.finish_discoverable_authentication_v2(&answer, state, &passkey) {
            Ok(result) => {
                passkey.update_credential(&result);
                let key = serde_json::to_string(&passkey).map_err(json_fault("encode a passkey"))?;
                Ok(Assertion::Verified { counter: result.counter(), key })
            }
            Err(WebauthnError::CredentialPossibleCompromise) => Ok(Assertion::CounterWentBack),
            Err(_) => Ok(Assertion::Refused),
        }
    }
}

/// Passkeys not configured (no `PASSKEY_RP_ID`): every ceremony says so.
pub struct PasskeysOff;

impl PasskeyCeremonies for PasskeysOff {
    fn begin_registration(&self, _: [u8; 16], _: &str, _: &[String]) -> Result<CeremonyBegun> {
        Err(Error::PasskeysUnavailable)
    }
    fn finish_registration(&self, _: &Value, _: &str) -> Result<Option<NewPasskey>> {
        Err(Error::PasskeysUnavailable)
    }
    fn begin_sign_in(&self) -> Result<CeremonyBegun> {
        Err(Error::PasskeysUnavailable)
    }
    fn identify(&self, _: &Value) -> Option<([u8; 16], String)> {
        None
    }
    fn finish_sign_in(&self, _: &Value, _: &str, _: &str) -> Result<Assertion> {
        Err(Error::PasskeysUnavailable)
    }
}
