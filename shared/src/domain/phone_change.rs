//! Changing the bound phone [ACC-2], a stored flow:
//!
//! ```text
//! awaiting_old_code --old code proven--> awaiting_new_code --new code proven--> done
//!    '-- 15 minutes: expired (any state)
//! ```

use super::account::SealedContact;
use super::flow::{Flow, FlowKind};
use super::ids::{AccountId, ChallengeId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub const PHONE_CHANGE_TTL: Duration = Duration::minutes(15);

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum PhoneChangeState {
    AwaitingOldCode,
    AwaitingNewCode { new_phone: SealedContact, new_challenge: ChallengeId },
    Done,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhoneChange {
    pub account_id: AccountId,
    pub old_hash: String,
    pub old_challenge: ChallengeId,
    pub expires_at: DateTime<Utc>,
    pub state: PhoneChangeState,
}

#[derive(Debug, Clone)]
pub enum PhoneChangeEvent {
    OldCodeProven { new_phone: SealedContact, new_challenge: ChallengeId },
    NewCodeProven,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneChangeRefusal {
    Expired,
    /// The step was already taken (or is not yet due).
    OutOfOrder,
}

impl Flow for PhoneChange {
    const KIND: FlowKind = FlowKind::PhoneChange;
    type Event<'a> = PhoneChangeEvent;
    type Refusal = PhoneChangeRefusal;

    fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// Listed under its account so that deleting the account erases it [DEL-3].
    fn owner(&self) -> Option<&AccountId> {
        Some(&self.account_id)
    }

    fn apply(mut self, event: PhoneChangeEvent, now: DateTime<Utc>) -> Result<Self, PhoneChangeRefusal> {
        if now >= self.expires_at {
            return Err(PhoneChangeRefusal::Expired);
        }
        self.state = match (self.state, event) {
            (PhoneChangeState::AwaitingOldCode, PhoneChangeEvent::OldCodeProven { new_phone, new_challenge }) => {
                PhoneChangeState::AwaitingNewCode { new_phone, new_challenge }
            }
            (PhoneChangeState::AwaitingNewCode { .. }, PhoneChangeEvent::NewCodeProven) => PhoneChangeState::Done,
            _ => return Err(PhoneChangeRefusal::OutOfOrder),
        };
        Ok(self)
    }
}
