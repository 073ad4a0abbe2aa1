//! What a use case may use, named in its signature: each port is a capability trait, and a use
//! case asks for exactly the ones it (and the helpers it calls) touch, e.g.
//! `deps: &(impl HasClock + HasKeys + HasSessions)`. The composition root ([`Services`]) provides
//! them all; a test or another root may provide fewer.

use crate::crypto::Keys;
use crate::domain::flow::Flow;
use crate::ports::{
    AccountStore, BankCardCheck, BusinessRegistry, CaseStore, ChangeStore, Clock, CodeStore, DeadlineIndex,
    DeletionStore, DeliveryLog, EmailSender, EnterpriseStore, ExpiryQueue, FaceCheck, FlowStore, InboundBank, KycStore,
    Outbox, PayoutProvider, RecoveryQueue, ResourceDirectory, ReviewQueue, RiskRules, SecurityStore, SessionStore,
    SignInStore, SmsSender, StaffDirectory, StepStore, SubUserStore, ThirdPartyStore, UploadErasure, UploadLinks,
    UploadStore,
};
use crate::services::Services;

/// A capability and how [`Services`] provides it: `store` (the DynamoDB store as that port,
/// coerced here so that a binary links only the store ports its handler reaches) or `adapter`
/// (built on first use, see [`Services`]).
macro_rules! capability {
    ($(#[$doc:meta])* $trait:ident, $method:ident -> $port:ty, $via:ident) => {
        $(#[$doc])*
        pub trait $trait {
            fn $method(&self) -> &$port;
        }

        impl $trait for Services {
            fn $method(&self) -> &$port {
                provide!(self, $via, $method)
            }
        }
    };
}

macro_rules! provide {
    ($services:ident, store, $method:ident) => {
        $services.store.as_ref()
    };
    ($services:ident, adapter, $method:ident) => {
        $services.adapters.$method()
    };
}

/// The time.
pub trait HasClock {
    fn clock(&self) -> &dyn Clock;
}

impl HasClock for Services {
    fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }
}

capability!(/** Verification codes. */ HasCodes, codes -> dyn CodeStore, store);
capability!(/** Accounts. */ HasAccounts, accounts -> dyn AccountStore, store);
capability!(/** Credentials and failure windows for sign-in. */ HasSignIn, sign_in -> dyn SignInStore, store);
capability!(/** Console sessions. */ HasSessions, sessions -> dyn SessionStore, store);
capability!(/** Security records. */ HasSecurity, security -> dyn SecurityStore, store);
capability!(/** A step's one read and one write, across items and tables. */ HasSteps, steps -> dyn StepStore, store);
capability!(/** Real-name verification records. */ HasKyc, kyc -> dyn KycStore, store);
capability!(/** SMS provider (the delivery worker's). */ HasSms, sms -> dyn SmsSender, adapter);
capability!(/** The outbox queue: how a use case sends a message. */ HasOutbox, outbox -> dyn Outbox, adapter);
capability!(/** Which outbox messages were delivered. */ HasDeliveries, deliveries -> dyn DeliveryLog, store);
capability!(/** Email provider. */ HasEmail, email -> dyn EmailSender, adapter);
capability!(/** Face-check provider. */ HasFace, face -> dyn FaceCheck, adapter);
capability!(/** Bank-card provider. */ HasBankCard, bank_card -> dyn BankCardCheck, adapter);
capability!(/** The platform's resource directory. */ HasResources, resources -> dyn ResourceDirectory, adapter);
capability!(/** Review cases and the staff audit trail. */ HasCases, cases -> dyn CaseStore, store);
capability!(/** Flows past their sweep deadline. */ HasDeadlines, deadlines -> dyn DeadlineIndex, store);
capability!(/** Uploaded material: checked and kept with cases. */ HasUploads, uploads -> dyn UploadStore, adapter);
capability!(/** Presigned links to upload and view material. */ HasUploadLinks, upload_links -> dyn UploadLinks, adapter);
capability!(/** Erasure of an account's files. */ HasUploadErasure, upload_erasure -> dyn UploadErasure, adapter);
capability!(/** The review queue. */ HasReviewQueue, review_queue -> dyn ReviewQueue, adapter);
capability!(/** The expiry queue. */ HasExpiryQueue, expiry_queue -> dyn ExpiryQueue, adapter);
capability!(/** The recovery queue. */ HasRecoveryQueue, recovery_queue -> dyn RecoveryQueue, adapter);
capability!(/** The staff directory. */ HasStaff, staff -> dyn StaffDirectory, adapter);
capability!(/** Enterprise applications, attempts, receiving accounts, the ledger. */ HasEnterprise, enterprise -> dyn EnterpriseStore, store);
capability!(/** The business registry. */ HasRegistry, registry -> dyn BusinessRegistry, adapter);
capability!(/** The payout provider of the corporate transfer. */ HasPayouts, payouts -> dyn PayoutProvider, adapter);
/// The bank of the receiving accounts.
pub trait HasInboundBank {
    fn inbound_bank(&self) -> &dyn InboundBank;
}

impl HasInboundBank for Services {
    fn inbound_bank(&self) -> &dyn InboundBank {
        self.bank_signer.as_ref()
    }
}

capability!(/** The risk rules. */ HasRisk, risk -> dyn RiskRules, adapter);
capability!(/** Subject changes. */ HasChanges, changes -> dyn ChangeStore, store);
capability!(/** Account deletion and erasure. */ HasDeletions, deletions -> dyn DeletionStore, store);
capability!(/** Sub-users of main accounts. */ HasSubUsers, sub_users -> dyn SubUserStore, store);
capability!(/** Third-party bindings [LOGIN-2]. */ HasThirdParty, third_party -> dyn ThirdPartyStore, store);

/// The identity providers of third-party sign-in [LOGIN-2].
pub trait HasIdentityProviders {
    fn identity_providers(&self) -> &crate::ports::IdentityProviders;
}

impl HasIdentityProviders for Services {
    fn identity_providers(&self) -> &crate::ports::IdentityProviders {
        self.adapters.identity_providers()
    }
}

/// Keyed hashes, field encryption and tokens.
pub trait HasKeys {
    fn keys(&self) -> &Keys;
}

impl HasKeys for Services {
    fn keys(&self) -> &Keys {
        &self.keys
    }
}

/// The stores of flows, one per flow type.
pub trait HasFlows {
    fn flows<F: Flow>(&self) -> &dyn FlowStore<F>;
}

impl HasFlows for Services {
    fn flows<F: Flow>(&self) -> &dyn FlowStore<F> {
        self.store.as_ref()
    }
}
