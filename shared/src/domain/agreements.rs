//! The agreements a cloud account accepts [REG-1]; acceptance is recorded with id, version and time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// (document id, current version) of the three agreements every account accepts.
pub const REQUIRED: [(&str, &str); 3] =
    [("user-service-agreement", "2024-06"), ("online-ordering-agreement", "2024-06"), ("privacy-policy", "2025-01")];

#[derive(schemars::JsonSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementRef {
    pub id: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Acceptance {
    pub id: String,
    pub version: String,
    pub accepted_at: DateTime<Utc>,
}

/// Whether the current version of one agreement (a flow's own: subject change, deletion) was
/// accepted: else its id, as missing.
pub fn require_one(given: &[AgreementRef], (id, version): (&'static str, &'static str)) -> Result<(), &'static str> {
    if given.iter().any(|a| a.id == id && a.version == version) {
        Ok(())
    } else {
        Err(id)
    }
}

/// Records acceptance of the required agreements, or names those missing (or of an old version).
pub fn accept_required(given: &[AgreementRef], now: DateTime<Utc>) -> Result<Vec<Acceptance>, Vec<&'static str>> {
    let missing: Vec<&'static str> = REQUIRED
        .iter()
        .filter(|(id, version)| !given.iter().any(|g| g.id == *id && g.version == *version))
        .map(|(id, _)| *id)
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    Ok(REQUIRED
        .iter()
        .map(|(id, version)| Acceptance { id: (*id).into(), version: (*version).into(), accepted_at: now })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<AgreementRef> {
        REQUIRED.iter().map(|(i, v)| AgreementRef { id: (*i).into(), version: (*v).into() }).collect()
    }

    #[test]
    fn all_three_current_versions_are_required() {
        let now = Utc::now();
        assert_eq!(accept_required(&all(), now).unwrap().len(), 3);
        let mut old = all();
        old[2].version = "2019-01".into();
        assert_eq!(accept_required(&old, now).unwrap_err(), vec!["privacy-policy"]);
        assert_eq!(accept_required(&[], now).unwrap_err().len(), 3);
    }
}
