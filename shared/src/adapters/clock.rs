//! The system clock for deployments, and a clock tests move by hand instead of sleeping.

use crate::ports::Clock;
use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn starting_at(now: DateTime<Utc>) -> Self {
        TestClock(Mutex::new(now))
    }
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The system clock moved forward by hand (the local environment's `POST /sandbox/clock/advance`:
/// a person watches a deadline pass without waiting for it). Never used in production.
#[derive(Debug, Default)]
pub struct ShiftedClock(Mutex<Duration>);

impl ShiftedClock {
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += by;
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
