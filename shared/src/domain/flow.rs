//! Every multi-step thing is a stored flow: a typed state that moves only by [`Flow::apply`], a
//! pure function of the flow, an event and the time. The store, generic over the flow type,
//! writes a transition only if nobody else wrote the flow since it was read (a condition on its
//! version), so two racing steps can never both succeed.
//!
//! A new flow is one type: its states as an enum, its events, its refusals, `KIND`, `expires_at`
//! (and `deadline` if a scheduled sweeper must act on it). Nothing else is written by hand.

use super::ids::{AccountId, FlowId};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The kinds of stored flow; their names are part of the storage keys and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowKind {
    SignIn,
    PhoneChange,
    PasswordReset,
    AccountLookup,
    TotpBinding,
    QrLogin,
    Captcha,
    FaceCheck,
    Case,
    EnterpriseApplication,
    SubjectChange,
    AccountDeletion,
    Erasure,
    ThirdPartyAuthorization,
    SignedOutAppeal,
    PasskeyCeremony,
}

impl FlowKind {
    pub const ALL: [FlowKind; 16] = [
        FlowKind::SignIn,
        FlowKind::PhoneChange,
        FlowKind::PasswordReset,
        FlowKind::AccountLookup,
        FlowKind::TotpBinding,
        FlowKind::QrLogin,
        FlowKind::Captcha,
        FlowKind::FaceCheck,
        FlowKind::Case,
        FlowKind::EnterpriseApplication,
        FlowKind::SubjectChange,
        FlowKind::AccountDeletion,
        FlowKind::Erasure,
        FlowKind::ThirdPartyAuthorization,
        FlowKind::SignedOutAppeal,
        FlowKind::PasskeyCeremony,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlowKind::SignIn => "sign-in",
            FlowKind::PhoneChange => "phone-change",
            FlowKind::PasswordReset => "password-reset",
            FlowKind::AccountLookup => "account-lookup",
            FlowKind::TotpBinding => "totp-binding",
            FlowKind::QrLogin => "qr-login",
            FlowKind::Captcha => "captcha",
            FlowKind::FaceCheck => "face-check",
            FlowKind::Case => "case",
            FlowKind::EnterpriseApplication => "enterprise-application",
            FlowKind::SubjectChange => "subject-change",
            FlowKind::AccountDeletion => "account-deletion",
            FlowKind::Erasure => "erasure",
            FlowKind::ThirdPartyAuthorization => "third-party-authorization",
            FlowKind::SignedOutAppeal => "signed-out-appeal",
            FlowKind::PasskeyCeremony => "passkey-ceremony",
        }
    }
}

/// A kind travels (in queue messages) by its name.
impl Serialize for FlowKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for FlowKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        FlowKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("no flow kind is named `{name}`")))
    }
}

pub trait Flow: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    const KIND: FlowKind;
    type Event<'a>;
    type Refusal;

    /// When the flow is over if nothing happens (the store also sets a TTL from it).
    fn expires_at(&self) -> DateTime<Utc>;

    /// A deadline a scheduled sweeper must act on; indexed, so it is found without a scan.
    fn deadline(&self) -> Option<DateTime<Utc>> {
        None
    }

    /// The account whose list shows this flow (indexed by owner, newest first by
    /// [`Flow::listed_at`]): flows a customer follows over days, such as review cases.
    fn owner(&self) -> Option<&AccountId> {
        None
    }

    /// Where the flow sits in its owner's list.
    fn listed_at(&self) -> DateTime<Utc> {
        self.expires_at()
    }

    /// While staff must act on the flow, its due time: indexed, so the dashboard lists what is
    /// waiting by due time without a scan.
    fn staff_queue(&self) -> Option<DateTime<Utc>> {
        None
    }

    /// When staff decided the flow (none while open, or when it ended otherwise): indexed by
    /// day, so a lead's figures read a week's decisions without a scan.
    fn decided_at(&self) -> Option<DateTime<Utc>> {
        None
    }

    /// The next state, or why the event is refused. Pure: `now` is passed in.
    fn apply(self, event: Self::Event<'_>, now: DateTime<Utc>) -> Result<Self, Self::Refusal>;
}

/// A flow as read from the store: a transition is written only at this version.
#[derive(Debug, Clone)]
pub struct Versioned<F> {
    pub id: FlowId,
    pub version: u32,
    pub flow: F,
}

/// Tries of a secret (a code, a second factor) counted inside a flow, reserved before the secret
/// is compared: `reserve` refuses once `max` tries were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
pub struct Tries {
    pub used: u32,
}

impl Tries {
    /// One more try, if any is left.
    pub fn reserve(self, max: u32) -> Option<Tries> {
        (self.used < max).then_some(Tries { used: self.used + 1 })
    }

    pub fn left(self, max: u32) -> u32 {
        max.saturating_sub(self.used)
    }

    pub fn exhausted(self, max: u32) -> bool {
        self.used >= max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_travel_by_their_names_and_an_unknown_name_is_refused() {
        for kind in FlowKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<FlowKind>(&json).unwrap(), kind);
        }
        assert!(serde_json::from_str::<FlowKind>("\"no-such-kind\"").is_err());
    }

    #[test]
    fn tries_stop_at_the_cap() {
        let mut t = Tries::default();
        for _ in 0..5 {
            t = t.reserve(5).unwrap_or(t);
        }
        assert_eq!(t.used, 5);
        assert!(t.reserve(5).is_none());
        assert_eq!(t.left(5), 0);
    }

    #[test]
    fn kinds_have_distinct_names() {
        let names: std::collections::BTreeSet<_> = FlowKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), FlowKind::ALL.len());
    }
}

/// The life of a flow that takes a limited number of tries of a secret and then finishes once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Progress {
    Open { tries: Tries },
    Finished,
}

impl Default for Progress {
    fn default() -> Self {
        Progress::Open { tries: Tries::default() }
    }
}

/// A step of a [`Progress`]: reserve one try (before the secret is compared), or finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Try,
    Finish,
}

/// Why a [`Progress`] step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    Expired,
    Exhausted,
    Finished,
}

impl Progress {
    /// The next progress after `step`. A try needs a try left; finishing is allowed while open
    /// (the last try reserved may succeed); nothing happens once finished or expired.
    pub fn step(
        self,
        step: Step,
        max_tries: u32,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Self, Closed> {
        let Progress::Open { tries } = self else { return Err(Closed::Finished) };
        if now >= expires_at {
            return Err(Closed::Expired);
        }
        match step {
            Step::Try => tries.reserve(max_tries).map(|tries| Progress::Open { tries }).ok_or(Closed::Exhausted),
            Step::Finish => Ok(Progress::Finished),
        }
    }

    /// Whether a step could still happen (ignoring time).
    pub fn check_open(self, max_tries: u32) -> Result<Tries, Closed> {
        match self {
            Progress::Finished => Err(Closed::Finished),
            Progress::Open { tries } if tries.exhausted(max_tries) => Err(Closed::Exhausted),
            Progress::Open { tries } => Ok(tries),
        }
    }

    pub fn tries(self) -> Tries {
        match self {
            Progress::Open { tries } => tries,
            Progress::Finished => Tries::default(),
        }
    }
}

#[cfg(test)]
mod progress_tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_progress_takes_its_tries_then_finishes_once() {
        let now = Utc::now();
        let until = now + Duration::minutes(5);
        let mut p = Progress::default();
        for _ in 0..3 {
            p = p.step(Step::Try, 3, until, now).unwrap();
        }
        assert_eq!(p.step(Step::Try, 3, until, now), Err(Closed::Exhausted));
        let done = p.step(Step::Finish, 3, until, now).unwrap();
        assert_eq!(done.step(Step::Finish, 3, until, now), Err(Closed::Finished));
        assert_eq!(Progress::default().step(Step::Try, 3, until, until), Err(Closed::Expired));
    }
}

/// A flow whose life is a [`Progress`] of tries.
pub trait Tried: Flow {
    fn progress(&self) -> Progress;
}

/// Declares a flow whose whole life is a [`Progress`] of `max` tries (field `progress`, expiry in
/// field `expires_at`): its `Flow` (events are [`Step`]s, refusals [`Closed`]) and `Tried`.
#[macro_export]
macro_rules! tried_flow {
    ($flow:ty, $kind:expr, $max:expr) => {
        impl $crate::domain::flow::Flow for $flow {
            const KIND: $crate::domain::flow::FlowKind = $kind;
            type Event<'a> = $crate::domain::flow::Step;
            type Refusal = $crate::domain::flow::Closed;

            fn expires_at(&self) -> chrono::DateTime<chrono::Utc> {
                self.expires_at
            }

            fn apply(
                mut self,
                step: $crate::domain::flow::Step,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Self, $crate::domain::flow::Closed> {
                self.progress = self.progress.step(step, $max, self.expires_at, now)?;
                Ok(self)
            }
        }

        impl $crate::domain::flow::Tried for $flow {
            fn progress(&self) -> $crate::domain::flow::Progress {
                self.progress
            }
        }
    };
}
