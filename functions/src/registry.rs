//! Name -> handler: what each Lambda binary runs. The local gateway and the tests look handlers
//! up here by the `Binary` that template.yaml names, so they call exactly what the Lambdas run.

use crate::{accounts, codes, fallback, sessions, AppState};
use futures::future::BoxFuture;
use lambda_http::{Body, Request, Response};

pub type HttpHandler = for<'a> fn(&'a AppState, Request) -> BoxFuture<'a, Response<Body>>;

/// The binary name of the authorizer function.
pub const AUTHORIZER: &str = "authorizer";

macro_rules! boxed {
    ($f:path) => {{
        fn call(state: &AppState, req: Request) -> BoxFuture<'_, Response<Body>> {
            Box::pin($f(state, req))
        }
        call as HttpHandler
    }};
}

pub fn http_handler(binary: &str) -> Option<HttpHandler> {
    Some(match binary {
        "send_sms_code" => boxed!(codes::send_sms_code::handle),
        "register_account" => boxed!(accounts::register_account::handle),
        "read_account" => boxed!(accounts::read_account::handle),
        "sign_in" => boxed!(sessions::sign_in::handle),
        "sign_out" => boxed!(sessions::sign_out::handle),
        "not_found" => boxed!(fallback::handle),
        _ => return None,
    })
}

/// Every HTTP handler's binary name.
pub const HTTP_BINARIES: &[&str] = &[
    "send_sms_code",
    "register_account",
    "read_account",
    "sign_in",
    "sign_out",
    "not_found",
];
