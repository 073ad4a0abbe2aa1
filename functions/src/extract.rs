//! What a handler takes from the request, typed: a handler names what it needs in its arguments
//! (`Authed`, `Json<Body>`, `Caller`, a path parameter, ...) and [`Handler`] extracts each of them,
//! in argument order, before the handler runs. The first refusal (`401 UNAUTHENTICATED`,
//! `403 ACTIVATION_REQUIRED`, `400 MALFORMED_JSON`, `422 INVALID_FIELD`, ...) is the answer.
//!
//! ```ignore
//! pub async fn handle(state: &AppState, Authed(principal): Authed, Json(body): Json<BindBody>) -> ApiResult
//! ```

use crate::api::{self, error_response, ApiError, ApiResult, BODY_TOO_LARGE, MAX_BODY_BYTES};
use crate::authorizer::AuthorizerContext;
use crate::state::StaffIdentity;
use crate::AppState;
use futures::future::BoxFuture;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use shared::domain::ids;
use shared::domain::session::Principal;
use shared::usecases::Caller;
use shared::Error;
use std::future::Future;
use std::sync::Arc;

/// A value a handler takes from the request, or the refusal that answers instead.
pub trait FromRequest: Sized {
    fn from_request(req: &Request) -> Result<Self, ApiError>;
}

/// The signed-in main account, as the authorizer established it: `UNAUTHENTICATED` otherwise,
/// `ACTIVATION_REQUIRED` while the account has not accepted the agreements [REG-4], and
/// `SUB_USER_FORBIDDEN` for a sub-user's session [LOGIN-5]: the account centre is the main
/// account's.
#[derive(Debug, Clone)]
pub struct Authed(pub Principal);

impl FromRequest for Authed {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        let AuthedUser(p) = AuthedUser::from_request(req)?;
        if p.credential.main_account().is_some() {
            return Err(Error::SubUserForbidden.into());
        }
        Ok(Authed(p))
    }
}

/// The signed-in main account or sub-user: the routes of one's own sessions, password and step-up.
#[derive(Debug, Clone)]
pub struct AuthedUser(pub Principal);

impl FromRequest for AuthedUser {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        let AuthedAllowingActivation(p) = AuthedAllowingActivation::from_request(req)?;
        if p.activation_pending {
            return Err(Error::ActivationRequired.into());
        }
        Ok(AuthedUser(p))
    }
}

/// The signed-in caller even before activation: only activating and signing out take it.
#[derive(Debug, Clone)]
pub struct AuthedAllowingActivation(pub Principal);

impl FromRequest for AuthedAllowingActivation {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        let fields = match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => ctx.authorizer.as_ref().map(|a| &a.fields),
            _ => None,
        };
        fields
            .and_then(AuthorizerContext::read)
            .and_then(AuthorizerContext::principal)
            .map(AuthedAllowingActivation)
            .ok_or_else(|| Error::Unauthenticated.into())
    }
}

/// Where the request came from (source address and user agent, as API Gateway saw them).
impl FromRequest for Caller {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        Ok(match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => Caller {
                source_ip: ctx.http.source_ip.clone().unwrap_or_default(),
                user_agent: ctx.http.user_agent.clone().unwrap_or_default(),
            },
            _ => Caller::default(),
        })
    }
}

/// The JSON body parsed into `T`, whose fields are domain types (see [`api::json_body`]).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Json<T> {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        api::json_body(req).map(Json)
    }
}

/// The raw body (a provider's signed callback), at most 16 KiB.
#[derive(Debug)]
pub struct RawBody(pub Vec<u8>);

impl FromRequest for RawBody {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        let body: &[u8] = req.body().as_ref();
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::edge(BODY_TOO_LARGE, "the body exceeds 16 KiB"));
        }
        Ok(RawBody(body.to_vec()))
    }
}

/// The `X-Signature` header of a provider's callback (empty when absent).
#[derive(Debug)]
pub struct Signature(pub String);

impl FromRequest for Signature {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        Ok(Signature(req.headers().get("x-signature").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()))
    }
}

/// The `X-Appeal-Secret` header: a signed-out appeal's secret (empty when absent: not found).
pub struct AppealSecret(pub String);

impl std::fmt::Debug for AppealSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppealSecret(<redacted>)")
    }
}

impl FromRequest for AppealSecret {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        let secret = req.headers().get("x-appeal-secret").and_then(|v| v.to_str().ok()).unwrap_or_default();
        Ok(AppealSecret(secret.to_owned()))
    }
}

/// Which page of a list (`?limit=` 1-100, `?cursor=` from the previous page's `next_cursor`):
/// `422 INVALID_FIELD` for a limit out of range.
#[derive(Debug, Clone)]
pub struct PageQuery {
    limit: Option<usize>,
    cursor: Option<String>,
}

/// The largest page a list gives.
pub const MAX_PAGE: usize = 100;

impl PageQuery {
    /// The page asked for, `default` items when no limit is given.
    pub fn or_size(self, default: usize) -> shared::ports::PageRequest {
        shared::ports::PageRequest { size: self.limit.unwrap_or(default), after: self.cursor }
    }
}

impl FromRequest for PageQuery {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        let query = req.query_string_parameters();
        let limit = match query.first("limit") {
            None => None,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => Some(n),
                _ => return Err(Error::invalid("limit", format!("a whole number from 1 to {MAX_PAGE}")).into()),
            },
        };
        let cursor = query.first("cursor").filter(|c| !c.is_empty()).map(str::to_owned);
        Ok(PageQuery { limit, cursor })
    }
}

/// The method and path as requested (the `$default` route's handler names them).
impl FromRequest for http::Method {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        Ok(req.method().clone())
    }
}

impl FromRequest for http::Uri {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        Ok(req.uri().clone())
    }
}

/// A path parameter of the route (`/v1/sessions/{session_id}`) as its typed id; the route always
/// has it (an empty or unknown id simply matches nothing).
macro_rules! path_params {
    ($($(#[$doc:meta])* $name:ident = $param:literal => $id:ty;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub $id);

        impl FromRequest for $name {
            fn from_request(req: &Request) -> Result<Self, ApiError> {
                Ok($name(<$id>::from_raw(req.path_parameters().first($param).unwrap_or_default())))
            }
        }
    )*};
}

path_params! {
    /// `{session_id}`
    SessionId = "session_id" => ids::SessionId;
    /// `{ticket_id}`
    TicketId = "ticket_id" => ids::FlowId;
    /// `{verification_id}`
    VerificationId = "verification_id" => ids::FlowId;
    /// `{change_id}`
    ChangeId = "change_id" => ids::FlowId;
    /// `{reset_id}`
    ResetId = "reset_id" => ids::FlowId;
    /// `{lookup_id}`
    LookupId = "lookup_id" => ids::FlowId;
    /// `{case_id}`
    CaseId = "case_id" => ids::FlowId;
    /// `{application_id}`
    ApplicationId = "application_id" => ids::FlowId;
    /// `{appeal_id}`
    AppealId = "appeal_id" => ids::FlowId;
    /// `{deletion_id}`
    DeletionId = "deletion_id" => ids::FlowId;
    /// `{sub_user_id}`
    SubUserId = "sub_user_id" => ids::AccountId;
    /// `{registration_id}`
    RegistrationId = "registration_id" => ids::FlowId;
    /// `{sign_in_id}`
    SignInId = "sign_in_id" => ids::FlowId;
    /// `{ceremony_id}`: a passkey ceremony's (a step-up's).
    CeremonyId = "ceremony_id" => ids::FlowId;
}

/// `{passkey_id}`: a WebAuthn credential id (base64url), as listed by `GET /v1/passkeys`.
#[derive(Debug, Clone)]
pub struct PasskeyId(pub String);

impl FromRequest for PasskeyId {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        Ok(PasskeyId(req.path_parameters().first("passkey_id").unwrap_or_default().to_owned()))
    }
}

/// A signed-in staff user, from the claims the HTTP API's JWT authorizer checked: with the staff
/// user pool, its access token's `username` and the groups in `cognito:groups`; with an OpenID
/// Connect issuer, the username and roles claims it is configured with ([`StaffIdentity`], which
/// the handler puts in the request's extensions). API Gateway passes a list as text
/// (`[reviewer lead]`). Without them: `401 UNAUTHENTICATED`.
#[derive(Debug, Clone)]
pub struct StaffAuthed(pub shared::domain::staff::Staff);

impl FromRequest for StaffAuthed {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        let claims = match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => {
                ctx.authorizer.as_ref().and_then(|a| a.jwt.as_ref()).map(|jwt| &jwt.claims)
            }
            _ => None,
        };
        let claims = claims.ok_or(Error::Unauthenticated)?;
        let (username_claim, roles_claim) = match req.extensions().get::<Arc<StaffIdentity>>().map(AsRef::as_ref) {
            Some(StaffIdentity::Issuer { issuer, .. }) => {
                // The issuer's ID tokens carry the same issuer and audience: only its access
                // tokens, which carry the scopes granted (an ID token has none).
                if claims.get("scope").is_none_or(|s| s.trim().is_empty()) {
                    return Err(Error::Unauthenticated.into());
                }
                (issuer.username_claim.as_str(), issuer.roles_claim.as_str())
            }
            _ => {
                // Cognito's ID tokens carry the same issuer and audience: only its access tokens.
                if claims.get("token_use").map(String::as_str) != Some("access") {
                    return Err(Error::Unauthenticated.into());
                }
                ("username", "cognito:groups")
            }
        };
        let username = claims.get(username_claim).filter(|u| !u.is_empty()).ok_or(Error::Unauthenticated)?;
        let roles = claims
            .get(roles_claim)
            .map(|g| {
                g.trim_matches(|c| c == '[' || c == ']')
                    .split([' ', ','])
                    .filter_map(|group| shared::domain::staff::Role::parse(group.trim_matches('"')))
                    .collect()
            })
            .unwrap_or_default();
        Ok(StaffAuthed(shared::domain::staff::Staff { username: username.clone(), roles }))
    }
}

/// An `async fn(&AppState, <extractors>...) -> ApiResult` for one borrow of the state. (A helper
/// trait: it names the future's type for every lifetime of the state borrow.)
pub trait HandlerFn<'a, Args>: Copy + Send + Sync + 'static {
    type Future: Future<Output = ApiResult> + Send + 'a;
    fn call_with(self, state: &'a AppState, args: Args) -> Self::Future;
}

/// A handler as Lambda and the local gateway run it: the request in, the response out, whatever
/// the arguments it takes. Every answer, success or refusal, leaves through [`api::finish`] (the
/// headers every answer carries); [`crate::http_handler!`] wraps each handler in this.
pub trait Handler<Args>: Copy + Send + Sync + 'static {
    fn call(self, state: &AppState, req: Request) -> BoxFuture<'_, Response<Body>>;
}

macro_rules! handler_arities {
    ($(($($arg:ident),*)),* $(,)?) => {$(
        /// The arguments in order: the first refusal wins.
        impl<$($arg: FromRequest,)*> FromRequest for ($($arg,)*) {
            #[allow(unused_variables)]
            fn from_request(req: &Request) -> Result<Self, ApiError> {
                Ok(($($arg::from_request(req)?,)*))
            }
        }

        impl<'a, F, Fut, $($arg,)*> HandlerFn<'a, ($($arg,)*)> for F
        where
            F: Fn(&'a AppState $(, $arg)*) -> Fut + Copy + Send + Sync + 'static,
            Fut: Future<Output = ApiResult> + Send + 'a,
        {
            type Future = Fut;

            #[allow(non_snake_case)]
            fn call_with(self, state: &'a AppState, ($($arg,)*): ($($arg,)*)) -> Fut {
                self(state $(, $arg)*)
            }
        }

        impl<F, $($arg,)*> Handler<($($arg,)*)> for F
        where
            F: for<'a> HandlerFn<'a, ($($arg,)*)>,
            $($arg: FromRequest + Send + 'static,)*
        {
            fn call(self, state: &AppState, mut req: Request) -> BoxFuture<'_, Response<Body>> {
                req.extensions_mut().insert(state.staff_identity.clone());
                Box::pin(async move {
                    let result = match <($($arg,)*)>::from_request(&req) {
                        Ok(args) => self.call_with(state, args).await,
                        Err(refusal) => Err(refusal),
                    };
                    let request_id = api::request_id(&req);
                    let response = result.unwrap_or_else(|err| error_response(err, &request_id));
                    let origin = req.headers().get(http::header::ORIGIN).and_then(|o| o.to_str().ok());
                    api::finish(response, &request_id, origin, &state.cors)
                })
            }
        }
    )*};
}

handler_arities! {
    (),
    (A1),
    (A1, A2),
    (A1, A2, A3),
    (A1, A2, A3, A4),
}
