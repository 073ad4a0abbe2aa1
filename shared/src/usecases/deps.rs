//! What a use case may use, named in its signature: each port is a capability trait, and a use
//! case asks for exactly the ones it (and the helpers it calls) touch, e.g.
//! `deps: &(impl HasClock + HasKeys + HasSessions)`. The composition root (`services.rs`) provides
//! them all; a test or another root may provide fewer.

use crate::crypto::Keys;
use crate::domain::flow::Flow;
use crate::ports::{
    AccountStore, BankCardCheck, BusinessRegistry, CaseStore, ChangeStore, Clock, CodeStore, DeadlineIndex,
    DeletionStore, DeliveryLog, EmailSender, EnterpriseStore, ExpiryQueue, FaceCheck, FlowStore, InboundBank, KycStore,
    Outbox, PasskeyCeremonies, PasskeyStore, PayoutProvider, RecoveryQueue, ResourceDirectory, ReviewQueue, RiskRules,
    SecurityStore, SessionStore, SignInStore, SmsSender, StaffDirectory, StepStore, SubUserStore, ThirdPartyStore,
    UploadErasure, UploadLinks, UploadStore,
};

/// Declares the capabilities, each as a trait with its one method and how the composition root
/// provides it: `store` (the DynamoDB store as that port, coerced there so that a binary links only
/// the store ports its handler reaches) or `adapter` (built on first use). It also defines
/// `provide_capabilities!(Root)`, which `services.rs` invokes: the `impl HasX for Services`
/// blocks are written there, beside `Services`, from this one list (`$d` is a `$` for the
/// inner macro).
macro_rules! capabilities {
    ($d:tt $($(#[$doc:meta])* $trait:ident, $method:ident -> $port:ty, $via:ident;)*) => {
        $(
            $(#[$doc])*
            pub trait $trait {
                fn $method(&self) -> &$port;
            }
        )*

        macro_rules! provide_capabilities {
            ($d root:ty) => {
                mod provided_capabilities {
                    use crate::ports::*;
                    use crate::usecases::deps::*;
                    $(
                        impl $trait for $d root {
                            fn $method(&self) -> &$port {
                                provide!(self, $via, $method)
                            }
                        }
                    )*
                }
            };
        }
        pub(crate) use provide_capabilities;
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
pub(crate) use provide;

/// The time.
pub trait HasClock {
    fn clock(&self) -> &dyn Clock;
}

capabilities! { $
    /// Verification codes.
    HasCodes, codes -> dyn CodeStore, store;
    /// Accounts.
    HasAccounts, accounts -> dyn AccountStore, store;
    /// Credentials and failure windows for sign-in.
    HasSignIn, sign_in -> dyn SignInStore, store;
    /// Console sessions.
    HasSessions, sessions -> dyn SessionStore, store;
    /// Security records.
    HasSecurity, security -> dyn SecurityStore, store;
    /// A step's one read and one write, across items and tables.
    HasSteps, steps -> dyn StepStore, store;
    /// Real-name verification records.
    HasKyc, kyc -> dyn KycStore, store;
    /// SMS provider (the delivery worker's).
    HasSms, sms -> dyn SmsSender, adapter;
    /// The outbox queue: how a use case sends a message.
    HasOutbox, outbox -> dyn Outbox, adapter;
    /// Which outbox messages were delivered.
    HasDeliveries, deliveries -> dyn DeliveryLog, store;
    /// Email provider.
    HasEmail, email -> dyn EmailSender, adapter;
    /// Face-check provider.
    HasFace, face -> dyn FaceCheck, adapter;
    /// Bank-card provider.
    HasBankCard, bank_card -> dyn BankCardCheck, adapter;
    /// The platform's resource directory.
    HasResources, resources -> dyn ResourceDirectory, adapter;
    /// Review cases and the staff audit trail.
    HasCases, cases -> dyn CaseStore, store;
    /// Flows past their sweep deadline.
    HasDeadlines, deadlines -> dyn DeadlineIndex, store;
    /// Uploaded material: checked and kept with cases.
    HasUploads, uploads -> dyn UploadStore, adapter;
    /// Presigned links to upload and view material.
    HasUploadLinks, upload_links -> dyn UploadLinks, adapter;
    /// Erasure of an account's files.
    HasUploadErasure, upload_erasure -> dyn UploadErasure, adapter;
    /// The review queue.
    HasReviewQueue, review_queue -> dyn ReviewQueue, adapter;
    /// The expiry queue.
    HasExpiryQueue, expiry_queue -> dyn ExpiryQueue, adapter;
    /// The recovery queue.
    HasRecoveryQueue, recovery_queue -> dyn RecoveryQueue, adapter;
    /// The staff directory.
    HasStaff, staff -> dyn StaffDirectory, adapter;
    /// Enterprise applications, attempts, receiving accounts, the ledger.
    HasEnterprise, enterprise -> dyn EnterpriseStore, store;
    /// The business registry.
    HasRegistry, registry -> dyn BusinessRegistry, adapter;
    /// The payout provider of the corporate transfer.
    HasPayouts, payouts -> dyn PayoutProvider, adapter;
    /// The risk rules.
    HasRisk, risk -> dyn RiskRules, adapter;
    /// Subject changes.
    HasChanges, changes -> dyn ChangeStore, store;
    /// Account deletion and erasure.
    HasDeletions, deletions -> dyn DeletionStore, store;
    /// Sub-users of main accounts.
    HasSubUsers, sub_users -> dyn SubUserStore, store;
    /// Third-party bindings [LOGIN-2].
    HasThirdParty, third_party -> dyn ThirdPartyStore, store;
    /// Passkeys [KEY-1].
    HasPasskeys, passkeys -> dyn PasskeyStore, store;
    /// The WebAuthn relying party [KEY-1].
    HasPasskeyParty, passkey_party -> dyn PasskeyCeremonies, adapter;
}
/// The bank of the receiving accounts.
pub trait HasInboundBank {
    fn inbound_bank(&self) -> &dyn InboundBank;
}

/// The identity providers of third-party sign-in [LOGIN-2].
pub trait HasIdentityProviders {
    fn identity_providers(&self) -> &crate::ports::IdentityProviders;
}

/// Keyed hashes, field encryption and tokens.
pub trait HasKeys {
    fn keys(&self) -> &Keys;
}

/// The stores of flows, one per flow type.
pub trait HasFlows {
    fn flows<F: Flow>(&self) -> &dyn FlowStore<F>;
}
