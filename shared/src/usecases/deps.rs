//! What a use case may use, named in its signature: each port is a capability trait, and a use
//! case asks for exactly the ones it (and the helpers it calls) touch, e.g.
//! `deps: &(impl HasClock + HasKeys + HasSessions)`. The composition root ([`Services`]) provides
//! them all; a test or another root may provide fewer.

use crate::crypto::Keys;
use crate::domain::flow::Flow;
use crate::ports::{
    AccountStore, BankCardCheck, BusinessRegistry, CaseStore, ChangeStore, Clock, CodeStore, DeadlineIndex,
    DeletionStore, DeliveryLog, EmailSender, EnterpriseStore, ExpiryQueue, FaceCheck, FlowStore, InboundBank, KycStore,
    Outbox, PayoutProvider, ResourceDirectory, ReviewQueue, RiskRules, SecurityStore, SessionStore, SignInStore,
    SmsSender, StaffDirectory, StepStore, SubUserStore, ThirdPartyStore, UploadStore,
};
use crate::services::Services;

macro_rules! capability {
    ($(#[$doc:meta])* $trait:ident, $method:ident -> $port:ty, $field:ident) => {
        $(#[$doc])*
        pub trait $trait {
            fn $method(&self) -> &$port;
        }

        impl $trait for Services {
            fn $method(&self) -> &$port {
                self.$field.as_ref()
            }
        }
    };
}

capability!(/** The time. */ HasClock, clock -> dyn Clock, clock);
capability!(/** Verification codes. */ HasCodes, codes -> dyn CodeStore, codes);
capability!(/** Accounts. */ HasAccounts, accounts -> dyn AccountStore, accounts);
capability!(/** Credentials and failure windows for sign-in. */ HasSignIn, sign_in -> dyn SignInStore, sign_in);
capability!(/** Console sessions. */ HasSessions, sessions -> dyn SessionStore, sessions);
capability!(/** Security records. */ HasSecurity, security -> dyn SecurityStore, security);
capability!(/** A step's one read and one write, across items and tables. */ HasSteps, steps -> dyn StepStore, steps);
capability!(/** Real-name verification records. */ HasKyc, kyc -> dyn KycStore, kyc);
capability!(/** SMS provider (the delivery worker's). */ HasSms, sms -> dyn SmsSender, sms);
capability!(/** The outbox queue: how a use case sends a message. */ HasOutbox, outbox -> dyn Outbox, outbox);
capability!(/** Which outbox messages were delivered. */ HasDeliveries, deliveries -> dyn DeliveryLog, deliveries);
capability!(/** Email provider. */ HasEmail, email -> dyn EmailSender, email);
capability!(/** Face-check provider. */ HasFace, face -> dyn FaceCheck, face);
capability!(/** Bank-card provider. */ HasBankCard, bank_card -> dyn BankCardCheck, bank_card);
capability!(/** The platform's resource directory. */ HasResources, resources -> dyn ResourceDirectory, resources);
capability!(/** Review cases and the staff audit trail. */ HasCases, cases -> dyn CaseStore, cases);
capability!(/** Flows past their sweep deadline. */ HasDeadlines, deadlines -> dyn DeadlineIndex, deadlines);
capability!(/** Uploaded material. */ HasUploads, uploads -> dyn UploadStore, uploads);
capability!(/** The review queue. */ HasReviewQueue, review_queue -> dyn ReviewQueue, review_queue);
capability!(/** The expiry queue. */ HasExpiryQueue, expiry_queue -> dyn ExpiryQueue, expiry_queue);
capability!(/** The staff directory. */ HasStaff, staff -> dyn StaffDirectory, staff);
capability!(/** Enterprise applications, attempts, receiving accounts, the ledger. */ HasEnterprise, enterprise -> dyn EnterpriseStore, enterprise);
capability!(/** The business registry. */ HasRegistry, registry -> dyn BusinessRegistry, registry);
capability!(/** The payout provider of the corporate transfer. */ HasPayouts, payouts -> dyn PayoutProvider, payouts);
capability!(/** The bank of the receiving accounts. */ HasInboundBank, inbound_bank -> dyn InboundBank, inbound_bank);
capability!(/** The risk rules. */ HasRisk, risk -> dyn RiskRules, risk);
capability!(/** Subject changes. */ HasChanges, changes -> dyn ChangeStore, changes);
capability!(/** Account deletion and erasure. */ HasDeletions, deletions -> dyn DeletionStore, deletions);
capability!(/** Sub-users of main accounts. */ HasSubUsers, sub_users -> dyn SubUserStore, sub_users);
capability!(/** Third-party bindings [LOGIN-2]. */ HasThirdParty, third_party -> dyn ThirdPartyStore, third_party);

/// The identity providers of third-party sign-in [LOGIN-2].
pub trait HasIdentityProviders {
    fn identity_providers(&self) -> &crate::ports::IdentityProviders;
}

impl HasIdentityProviders for Services {
    fn identity_providers(&self) -> &crate::ports::IdentityProviders {
        &self.identity_providers
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
