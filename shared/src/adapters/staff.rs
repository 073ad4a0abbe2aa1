//! The staff directory: a Cognito user pool (reviewers and leads as groups), reached through its
//! public-client JSON API (InitiateAuth, RespondToAuthChallenge, and for a first sign-in
//! AssociateSoftwareToken and VerifySoftwareToken with the session: no AWS credentials involved).
//! Every staff user has a virtual MFA device; a refused password and an unknown user answer alike.

use super::http_client::{HttpClient, Outgoing};
use crate::domain::redacted::Redacted;
use crate::error::{Error, Result};
use crate::ports::{StaffDirectory, StaffSignIn, StaffTokens};
use async_trait::async_trait;
use serde_json::{json, Value};

pub struct CognitoStaff {
    http: HttpClient,
    endpoint: String,
    client_id: String,
}

impl CognitoStaff {
    /// `endpoint`: `https://cognito-idp.<region>.amazonaws.com/` (locally the emulator's URL).
    pub fn new(endpoint: impl Into<String>, client_id: impl Into<String>) -> Self {
        CognitoStaff { http: HttpClient::new(), endpoint: endpoint.into(), client_id: client_id.into() }
    }

    /// The answer, or the error type Cognito named (`NotAuthorizedException`, ...).
    async fn call(&self, operation: &str, body: Value) -> Result<Result<Value, String>> {
        let request = Outgoing::new(http::Method::POST, &self.endpoint)
            .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{operation}"))
            .body("application/x-amz-json-1.1", body.to_string());
        let answer = self.http.send(request).await.map_err(|e| Error::ProviderUnavailable(e.into()))?;
        let status = answer.status;
        let answer: Value = answer.json().map_err(|e| Error::ProviderUnavailable(e.into()))?;
        if status.is_success() {
            return Ok(Ok(answer));
        }
        let kind = answer["__type"].as_str().unwrap_or_default();
        let kind = kind.rsplit('#').next().unwrap_or(kind).to_owned();
        if status.is_server_error() {
            return Err(Error::ProviderUnavailable(format!("cognito {operation}: {kind}").into()));
        }
        Ok(Err(kind))
    }
}

impl CognitoStaff {
    /// The step a challenge asks for. An authenticator to set up is associated at once, so its
    /// secret comes with the step. Tokens without a second factor are refused: the pool requires
    /// one of every staff user.
    async fn next_step(&self, answer: Value) -> Result<StaffSignIn> {
        let session = answer["Session"].as_str().unwrap_or_default().to_owned();
        match answer["ChallengeName"].as_str() {
            Some("SOFTWARE_TOKEN_MFA") => Ok(StaffSignIn::SecondFactor { session }),
            Some("NEW_PASSWORD_REQUIRED") => Ok(StaffSignIn::NewPasswordRequired { session }),
            Some("MFA_SETUP") => {
                let associated = match self.call("AssociateSoftwareToken", json!({ "Session": session })).await? {
                    Ok(answer) => answer,
                    Err(kind) if refused(&kind) => return Ok(StaffSignIn::Refused),
                    Err(kind) => return Err(Error::internal("staff MFA association", kind)),
                };
                let secret = associated["SecretCode"]
                    .as_str()
                    .ok_or_else(|| Error::internal("staff MFA association", "no secret"))?;
                Ok(StaffSignIn::MfaSetup {
                    session: associated["Session"].as_str().unwrap_or(&session).to_owned(),
                    secret_base32: Redacted::new(secret.to_owned()),
                })
            }
            _ => Ok(StaffSignIn::Refused),
        }
    }
}

/// The tokens of an answer that signed the user in.
fn tokens(answer: &Value) -> Option<StaffTokens> {
    let result = &answer["AuthenticationResult"];
    result["AccessToken"].as_str().map(|token| StaffTokens {
        access_token: token.to_owned(),
        expires_in: result["ExpiresIn"].as_i64().unwrap_or(3600),
    })
}

/// Refusals of a step answered with a session that mean the session is unknown or has ended
/// (Cognito says `NotAuthorizedException` "Invalid session"; the emulator `ResourceNotFoundException`).
fn session_ended(kind: &str) -> bool {
    matches!(kind, "NotAuthorizedException" | "ResourceNotFoundException")
}

/// Refusals that mean "wrong password, code or session" (never a fault).
fn refused(kind: &str) -> bool {
    matches!(
        kind,
        "NotAuthorizedException"
            | "UserNotFoundException"
            | "CodeMismatchException"
            | "ExpiredCodeException"
            | "ResourceNotFoundException"
            | "InvalidParameterException"
            | "PasswordResetRequiredException"
            | "UserNotConfirmedException"
    )
}

#[async_trait]
impl StaffDirectory for CognitoStaff {
    async fn sign_in(&self, username: &str, password: &str) -> Result<StaffSignIn> {
        let body = json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": self.client_id,
            "AuthParameters": { "USERNAME": username, "PASSWORD": password },
        });
        match self.call("InitiateAuth", body).await? {
            Ok(answer) => self.next_step(answer).await,
            Err(kind) if refused(&kind) => Ok(StaffSignIn::Refused),
            Err(kind) => Err(Error::internal("staff sign-in", kind)),
        }
    }

    async fn new_password(&self, username: &str, session: &str, new_password: &str) -> Result<StaffSignIn> {
        let body = json!({
            "ClientId": self.client_id,
            "ChallengeName": "NEW_PASSWORD_REQUIRED",
            "Session": session,
            "ChallengeResponses": { "USERNAME": username, "NEW_PASSWORD": new_password },
        });
        match self.call("RespondToAuthChallenge", body).await? {
            Ok(answer) => self.next_step(answer).await,
            Err(kind) if kind == "InvalidPasswordException" => Err(Error::StaffPasswordRejected),
            Err(kind) if session_ended(&kind) => Err(Error::StaffSessionExpired),
            Err(kind) if refused(&kind) => Ok(StaffSignIn::Refused),
            Err(kind) => Err(Error::internal("staff new password", kind)),
        }
    }

    async fn finish_mfa_setup(&self, username: &str, session: &str, code: &str) -> Result<Option<StaffTokens>> {
        let verify = json!({ "Session": session, "UserCode": code, "FriendlyDeviceName": "authenticator" });
        let verified = match self.call("VerifySoftwareToken", verify).await? {
            Ok(answer) if answer["Status"] == "SUCCESS" => answer,
            Ok(_) => return Ok(None),
            Err(kind) if session_ended(&kind) => return Err(Error::StaffSessionExpired),
            Err(kind) if refused(&kind) || kind == "EnableSoftwareTokenMFAException" => return Ok(None),
            Err(kind) => return Err(Error::internal("staff MFA set-up", kind)),
        };
        let body = json!({
            "ClientId": self.client_id,
            "ChallengeName": "MFA_SETUP",
            "Session": verified["Session"].as_str().unwrap_or(session),
            "ChallengeResponses": { "USERNAME": username },
        });
        match self.call("RespondToAuthChallenge", body).await? {
            Ok(answer) => Ok(tokens(&answer)),
            Err(kind) if session_ended(&kind) => Err(Error::StaffSessionExpired),
            Err(kind) if refused(&kind) => Ok(None),
            Err(kind) => Err(Error::internal("staff MFA set-up", kind)),
        }
    }

    async fn second_factor(&self, username: &str, session: &str, code: &str) -> Result<Option<StaffTokens>> {
        let body = json!({
            "ClientId": self.client_id,
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "Session": session,
            "ChallengeResponses": { "USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code },
        });
        match self.call("RespondToAuthChallenge", body).await? {
            Ok(answer) => Ok(tokens(&answer)),
            Err(kind) if session_ended(&kind) => Err(Error::StaffSessionExpired),
            Err(kind) if refused(&kind) => Ok(None),
            Err(kind) => Err(Error::internal("staff second factor", kind)),
        }
    }
}

/// The staff directory where the staff sign in through an OpenID Connect issuer (no staff pool):
/// the password steps are refused, naming where to sign in.
pub struct IssuerStaff;

#[async_trait]
impl StaffDirectory for IssuerStaff {
    async fn sign_in(&self, _: &str, _: &str) -> Result<StaffSignIn> {
        Err(Error::StaffSignInByIssuer)
    }
    async fn second_factor(&self, _: &str, _: &str, _: &str) -> Result<Option<StaffTokens>> {
        Err(Error::StaffSignInByIssuer)
    }
    async fn new_password(&self, _: &str, _: &str, _: &str) -> Result<StaffSignIn> {
        Err(Error::StaffSignInByIssuer)
    }
    async fn finish_mfa_setup(&self, _: &str, _: &str, _: &str) -> Result<Option<StaffTokens>> {
        Err(Error::StaffSignInByIssuer)
    }
}
