//! Staff (reviewers and leads): never customer accounts. Who they are comes from the staff
//! directory's token, checked by the HTTP API's JWT authorizer before any handler runs.

/// A role of a staff user (a group of the staff user pool).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Claims and decides review cases.
    Reviewer,
    /// A reviewer who also reads every case's audit trail.
    Lead,
}

impl Role {
    pub fn parse(group: &str) -> Option<Role> {
        match group {
            "reviewer" => Some(Role::Reviewer),
            "lead" => Some(Role::Lead),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::Lead => "lead",
        }
    }
}

/// A signed-in staff user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub username: String,
    pub roles: Vec<Role>,
}

impl Staff {
    pub fn reviews(&self) -> bool {
        !self.roles.is_empty()
    }

    pub fn leads(&self) -> bool {
        self.roles.contains(&Role::Lead)
    }
}
