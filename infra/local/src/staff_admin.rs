//! The operator's staff command (`local-env staff ...`): invites a reviewer or a lead into the
//! staff user pool and takes a leaver out. The invitation creates the user with a temporary
//! password that Cognito makes and e-mails to them (locally, where no mail leaves, the command
//! makes it and prints it); their
//! first sign-in on the dashboard chooses a password and sets up an authenticator. Each call is an
//! admin call of the pool, signed with the operator's credentials.

use aws_sdk_cognitoidentityprovider::types::{AttributeType, DeliveryMediumType};
use aws_sdk_cognitoidentityprovider::Client;
use rand::{rngs::OsRng, seq::SliceRandom, Rng};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A staff role: a lead also reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Reviewer,
    Lead,
}

impl Role {
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "reviewer" => Some(Role::Reviewer),
            "lead" => Some(Role::Lead),
            _ => None,
        }
    }

    /// The pool's groups the role is.
    pub fn groups(self) -> &'static [&'static str] {
        match self {
            Role::Reviewer => &["reviewer"],
            Role::Lead => &["reviewer", "lead"],
        }
    }
}

/// The pool of a deployed stack (`<stack>-staff`, as template.yaml names it) or, without a stack,
/// the local one (the template's logical id).
pub async fn pool_id(client: &Client, stack: Option<&str>) -> Result<String, BoxError> {
    let name = stack.map_or_else(|| crate::staff::POOL_NAME.to_owned(), |s| format!("{s}-staff"));
    let mut next = None;
    loop {
        let page = client.list_user_pools().max_results(60).set_next_token(next).send().await?;
        if let Some(pool) = page.user_pools().iter().find(|p| p.name() == Some(name.as_str())) {
            return pool.id().map(str::to_owned).ok_or_else(|| "the pool has no id".into());
        }
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            return Err(format!("no staff user pool named {name}").into());
        }
    }
}

/// A temporary password the template's policy accepts (12 or more characters with a lower-case
/// and an upper-case letter, a digit and a symbol), 20 characters from the OS's generator.
pub fn temporary_password() -> String {
    const SETS: [&[u8]; 4] = [b"abcdefghijkmnopqrstuvwxyz", b"ABCDEFGHJKLMNPQRSTUVWXYZ", b"23456789", b"-_.!#%+="];
    let mut rng = OsRng;
    let mut chars: Vec<u8> = SETS.iter().map(|set| set[rng.gen_range(0..set.len())]).collect();
    let all: Vec<u8> = SETS.concat();
    chars.extend((0..16).map(|_| all[rng.gen_range(0..all.len())]));
    chars.shuffle(&mut rng);
    String::from_utf8(chars).unwrap_or_default()
}

/// Invites `username` (e-mail `email`) as `role`. Cognito e-mails the temporary password: one it
/// makes itself (`temporary: None`, in AWS: nobody else ever sees it), or the one given (locally,
/// where no mail leaves the emulator). Inviting someone already in the pool fails and changes
/// nothing.
pub async fn invite(
    client: &Client,
    pool_id: &str,
    username: &str,
    email: &str,
    role: Role,
    temporary: Option<&str>,
) -> Result<(), BoxError> {
    if !email.contains('@') {
        return Err("the e-mail address is not one".into());
    }
    client
        .admin_create_user()
        .user_pool_id(pool_id)
        .username(username)
        .set_temporary_password(temporary.map(str::to_owned))
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .user_attributes(AttributeType::builder().name("email").value(email).build()?)
        .user_attributes(AttributeType::builder().name("email_verified").value("true").build()?)
        .send()
        .await
        .map_err(|e| format!("the invitation of {username} failed: {}", e.into_service_error()))?;
    for group in role.groups() {
        client.admin_add_user_to_group().user_pool_id(pool_id).username(username).group_name(*group).send().await?;
    }
    Ok(())
}

/// Takes a leaver out at once: the user can no longer sign in and their refresh tokens are revoked
/// (an access token already issued works until it expires, at most an hour: the API's JWT
/// authorizer checks signatures, not Cognito).
pub async fn remove(client: &Client, pool_id: &str, username: &str) -> Result<(), BoxError> {
    client.admin_disable_user().user_pool_id(pool_id).username(username).send().await?;
    client.admin_user_global_sign_out().user_pool_id(pool_id).username(username).send().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_password_meets_the_pools_policy() {
        for _ in 0..200 {
            let p = temporary_password();
            assert_eq!(p.len(), 20);
            assert!(p.bytes().any(|b| b.is_ascii_lowercase()));
            assert!(p.bytes().any(|b| b.is_ascii_uppercase()));
            assert!(p.bytes().any(|b| b.is_ascii_digit()));
            assert!(p.bytes().any(|b| !b.is_ascii_alphanumeric()));
        }
        assert_ne!(temporary_password(), temporary_password());
    }

    #[test]
    fn a_lead_also_reviews() {
        assert_eq!(Role::parse("lead").map(Role::groups), Some(&["reviewer", "lead"][..]));
        assert_eq!(Role::parse("reviewer").map(Role::groups), Some(&["reviewer"][..]));
        assert_eq!(Role::parse("admin"), None);
    }
}
