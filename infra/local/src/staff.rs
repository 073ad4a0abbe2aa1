//! The staff user pool in the emulator: created from template.yaml's `StaffUserPool` (groups
//! `reviewer` and `lead`, virtual MFA required), and local staff users with their virtual MFA
//! device set up. Cognito's admin calls go to the emulator unsigned (it accepts them); nothing
//! here runs in AWS.

use serde_json::{json, Value};
use shared::config::StaffPool;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use totp_rs::{Algorithm, Secret, TOTP};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The pool's name and the dashboard client's name (the template's logical ids).
pub const POOL_NAME: &str = "StaffUserPool";
pub const CLIENT_NAME: &str = "StaffDashboardClient";
pub const GROUPS: [&str; 2] = ["reviewer", "lead"];
/// The emulator gives every staff device this secret (and checks codes against it when started
/// with `MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true`, as the scripts do).
pub const EMULATOR_MFA_SECRET: &str = "asdfasdfasdf";

async fn call(endpoint: &str, operation: &str, body: Value) -> Result<Value, BoxError> {
    let response = reqwest::Client::new()
        .post(endpoint)
        .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{operation}"))
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(format!("cognito {operation}: {status} {answer}").into());
    }
    Ok(answer)
}

/// The staff pool (created once per emulator) and its dashboard client.
pub async fn staff_pool(emulator: &str) -> Result<StaffPool, BoxError> {
    let endpoint = format!("{}/", emulator.trim_end_matches('/'));
    let pools = call(&endpoint, "ListUserPools", json!({ "MaxResults": 60 })).await?;
    let existing = pools["UserPools"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["Name"] == POOL_NAME)
        .and_then(|p| p["Id"].as_str().map(str::to_owned));
    let user_pool_id = match existing {
        Some(id) => id,
        None => {
            let created = call(
                &endpoint,
                "CreateUserPool",
                json!({
                    "PoolName": POOL_NAME,
                    "MfaConfiguration": "ON",
                    "SoftwareTokenMfaConfiguration": { "Enabled": true },
                    // template.yaml's policy (a first sign-in's new password is checked against it).
                    "Policies": { "PasswordPolicy": {
                        "MinimumLength": 12, "RequireLowercase": true, "RequireUppercase": true,
                        "RequireNumbers": true, "RequireSymbols": true,
                    } },
                }),
            )
            .await?;
            let id = created["UserPool"]["Id"].as_str().ok_or("no pool id")?.to_owned();
            // As CloudFormation does for the template's `EnabledMfas`: a user without a device is
            // asked to set one up (the emulator ignores the creation's MFA settings).
            let mfa = json!({ "UserPoolId": id, "MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": { "Enabled": true } });
            call(&endpoint, "SetUserPoolMfaConfig", mfa).await?;
            for group in GROUPS {
                call(&endpoint, "CreateGroup", json!({ "UserPoolId": id, "GroupName": group })).await?;
            }
            id
        }
    };
    let clients =
        call(&endpoint, "ListUserPoolClients", json!({ "UserPoolId": user_pool_id, "MaxResults": 60 })).await?;
    let existing = clients["UserPoolClients"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["ClientName"] == CLIENT_NAME)
        .and_then(|c| c["ClientId"].as_str().map(str::to_owned));
    let client_id = match existing {
        Some(id) => id,
        None => {
            let created = call(
                &endpoint,
                "CreateUserPoolClient",
                json!({
                    "UserPoolId": user_pool_id,
                    "ClientName": CLIENT_NAME,
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                }),
            )
            .await?;
            created["UserPoolClient"]["ClientId"].as_str().ok_or("no client id")?.to_owned()
        }
    };
    Ok(StaffPool { endpoint, user_pool_id, client_id })
}

/// The seconds of its 30-second step a staff code is taken with, at least.
const CODE_FRESH_FOR: Duration = Duration::from_secs(10);

/// A staff user's virtual MFA code, taken with at least [`CODE_FRESH_FOR`] of its step left (it
/// waits for the next step when less is left). The emulator accepts the current step's code only,
/// with no window for clock skew as Cognito has, so a code taken near the end of its step would
/// be refused when it arrives a moment later (it made the dashboard's browser tests fail).
pub async fn mfa_code(secret_base32: &str) -> Result<String, BoxError> {
    let bytes = Secret::Encoded(secret_base32.to_ascii_uppercase()).to_bytes().map_err(|e| format!("{e:?}"))?;
    let totp = TOTP::new_unchecked(Algorithm::SHA1, 6, 0, STEP.as_secs(), bytes, None, String::new());
    let left = left_in_step(SystemTime::now().duration_since(UNIX_EPOCH)?);
    if left < CODE_FRESH_FOR {
        tokio::time::sleep(left + Duration::from_millis(50)).await;
    }
    Ok(totp.generate_current()?)
}

const STEP: Duration = Duration::from_secs(30);

/// How much of its TOTP step is left at `since_epoch`.
fn left_in_step(since_epoch: Duration) -> Duration {
    let into_step = Duration::from_millis((since_epoch.as_millis() % STEP.as_millis()) as u64);
    STEP - into_step
}

/// A staff user who can sign in: the password set, in `groups`, with a virtual MFA device whose
/// secret is returned (the emulator checks codes against it).
pub async fn create_staff(
    pool: &StaffPool,
    username: &str,
    password: &str,
    groups: &[&str],
) -> Result<String, BoxError> {
    let endpoint = &pool.endpoint;
    let id = &pool.user_pool_id;
    call(endpoint, "AdminCreateUser", json!({ "UserPoolId": id, "Username": username, "MessageAction": "SUPPRESS" }))
        .await?;
    call(
        endpoint,
        "AdminSetUserPassword",
        json!({ "UserPoolId": id, "Username": username, "Password": password, "Permanent": true }),
    )
    .await?;
    for group in groups {
        call(endpoint, "AdminAddUserToGroup", json!({ "UserPoolId": id, "Username": username, "GroupName": group }))
            .await?;
    }
    let signed_in = call(
        endpoint,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": pool.client_id, "AuthParameters": { "USERNAME": username, "PASSWORD": password } }),
    )
    .await?;
    let access = signed_in["AuthenticationResult"]["AccessToken"].as_str().ok_or("no access token")?.to_owned();
    let associated = call(endpoint, "AssociateSoftwareToken", json!({ "AccessToken": access })).await?;
    let secret = associated["SecretCode"].as_str().ok_or("no MFA secret")?.to_owned();
    call(endpoint, "VerifySoftwareToken", json!({ "AccessToken": access, "UserCode": mfa_code(&secret).await? }))
        .await?;
    call(
        endpoint,
        "AdminSetUserMFAPreference",
        json!({ "UserPoolId": id, "Username": username, "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true } }),
    )
    .await?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_taken_with_the_time_left_in_its_step_known() {
        assert_eq!(left_in_step(Duration::from_secs(1_800_000_000)), STEP);
        assert_eq!(left_in_step(Duration::from_millis(1_800_000_021_500)), Duration::from_millis(8_500));
        assert_eq!(left_in_step(Duration::from_millis(1_800_000_029_999)), Duration::from_millis(1));
    }
}
