//! The staff directory: a Cognito user pool (reviewers and leads as groups), reached through its
//! public-client JSON API (InitiateAuth, RespondToAuthChallenge: no AWS credentials involved).
//! Every staff user has a virtual MFA device; a refused password and an unknown user answer alike.

use super::http_client::{HttpClient, Outgoing};
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
            Ok(answer) if answer["ChallengeName"] == "SOFTWARE_TOKEN_MFA" => {
                Ok(StaffSignIn::SecondFactor { session: answer["Session"].as_str().unwrap_or_default().to_owned() })
            }
            // A staff user without a virtual MFA device does not get in (the pool requires one).
            Ok(_) => Ok(StaffSignIn::Refused),
            Err(kind) if refused(&kind) => Ok(StaffSignIn::Refused),
            Err(kind) => Err(Error::internal("staff sign-in", kind)),
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
            Ok(answer) => {
                let result = &answer["AuthenticationResult"];
                Ok(result["AccessToken"].as_str().map(|token| StaffTokens {
                    access_token: token.to_owned(),
                    expires_in: result["ExpiresIn"].as_i64().unwrap_or(3600),
                }))
            }
            Err(kind) if refused(&kind) => Ok(None),
            Err(kind) => Err(Error::internal("staff second factor", kind)),
        }
    }
}
