//! What every Lambda binary does: JSON logs without request bodies, the state its row of the
//! [`crate::registry`] asks for built once, then the runtime loop.

use crate::registry::{AuthorizerFn, HttpHandler, Lambda, ScheduleHandler, SqsEvent, WorkerHandler};
use crate::AppState;
use aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request;
use lambda_runtime::LambdaEvent;
use std::future::Future;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// JSON lines on stdout (Lambda's JSON log format keeps them as they are), each with the
/// function's name and, within an invocation, Lambda's `requestId` and X-Ray trace id (the runtime's
/// invoke span). The level: `RUST_LOG` if set, else the template's `ApplicationLogLevel` (Lambda
/// passes it as `AWS_LAMBDA_LOG_LEVEL`), else info.
pub fn init_tracing() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        .map(|l| match l.to_ascii_lowercase().as_str() {
            "fatal" => "error".to_owned(),
            other => other.to_owned(),
        })
        .unwrap_or_else(|| "info".into());
    subscriber(std::env::var("RUST_LOG").ok().as_deref(), &level).init();
}

/// The JSON log lines, filtered by [`log_filter`].
fn subscriber(rust_log: Option<&str>, level: &str) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .with_span_list(true)
        .with_target(false)
        // fmt caps at INFO by default; the filter below decides, so the cap is lifted.
        .with_max_level(LevelFilter::TRACE)
        .finish()
        .with(log_filter(rust_log, level))
}

/// The log filter: `rust_log` (`RUST_LOG`: `info`, `warn,shared=debug`, a default level and
/// levels per module) if given and well formed, else `level`, else info. A filter by target and
/// level only: tracing-subscriber's `EnvFilter` also matches span fields, with regular
/// expressions compiled into every binary (about 0.3 MB) that nothing here uses [issue 14].
pub fn log_filter(rust_log: Option<&str>, level: &str) -> Targets {
    rust_log
        .and_then(|filter| filter.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(level.parse::<LevelFilter>().unwrap_or(LevelFilter::INFO)))
}

/// The span every log line of the process sits in: the function's name (the log group is shared).
fn function_span() -> tracing::Span {
    let name = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default();
    tracing::info_span!("function", function = name)
}

fn block_on(main: impl Future<Output = Result<(), BoxError>>) -> Result<(), BoxError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(main)
}

async fn state(lambda: &Lambda) -> Result<&'static AppState, BoxError> {
    Ok(Box::leak(Box::new(AppState::from_env(lambda.needs).await?)))
}

/// Runs an HTTP Lambda: `handler` with the state `lambda` needs.
pub fn run_http(lambda: &'static Lambda, handler: HttpHandler) -> Result<(), BoxError> {
    block_on(async move {
        init_tracing();
        let _function = function_span().entered();
        let state = state(lambda).await?;
        lambda_http::run(lambda_http::service_fn(move |req| async move {
            Ok::<_, std::convert::Infallible>(handler(state, req).await)
        }))
        .await
    })
}

/// Runs a queue worker: each batch answers the messages that failed.
pub fn run_worker(lambda: &'static Lambda, handler: WorkerHandler) -> Result<(), BoxError> {
    block_on(async move {
        init_tracing();
        let _function = function_span().entered();
        let state = state(lambda).await?;
        lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<SqsEvent>| async move {
            Ok::<_, BoxError>(handler(state, event.payload).await)
        }))
        .await
    })
}

/// Runs a scheduled worker: each schedule event runs it once (a failure is retried by the
/// scheduler's retry policy).
pub fn run_schedule(lambda: &'static Lambda, handler: ScheduleHandler) -> Result<(), BoxError> {
    block_on(async move {
        init_tracing();
        let _function = function_span().entered();
        let state = state(lambda).await?;
        lambda_runtime::run(lambda_runtime::service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
            handler(state, event.payload).await.map_err(|fault| {
                tracing::error!(error = %fault, "scheduled worker fault");
                BoxError::from(fault)
            })
        }))
        .await
    })
}

/// Runs the authorizer.
pub fn run_authorizer(lambda: &'static Lambda, decide: AuthorizerFn) -> Result<(), BoxError> {
    block_on(async move {
        init_tracing();
        let _function = function_span().entered();
        let state = state(lambda).await?;
        lambda_runtime::run(lambda_runtime::service_fn(
            move |event: LambdaEvent<ApiGatewayV2CustomAuthorizerV2Request>| async move {
                decide(state, &event.payload).await.map_err(|fault| {
                    tracing::error!(error = %fault, "authorizer fault");
                    BoxError::from(fault)
                })
            },
        ))
        .await
    })
}

// The `main` of each kind of bin (`src/bin/<binary>.rs`): its row of the registry, then its runner.

/// The `main` of a queue worker's bin. `functions::worker_lambda!(functions::workers::deliver_messages::handle);`
#[macro_export]
macro_rules! worker_lambda {
    ($handler:path) => {
        fn main() -> Result<(), $crate::lambda::BoxError> {
            const LAMBDA: &$crate::registry::Lambda =
                $crate::registry::lambda(env!("CARGO_BIN_NAME"), stringify!($handler), false);
            $crate::lambda::run_worker(LAMBDA, $crate::worker_handler!($handler))
        }
    };
}

/// The `main` of a scheduled worker's bin.
#[macro_export]
macro_rules! schedule_lambda {
    ($handler:path) => {
        fn main() -> Result<(), $crate::lambda::BoxError> {
            const LAMBDA: &$crate::registry::Lambda =
                $crate::registry::lambda(env!("CARGO_BIN_NAME"), stringify!($handler), false);
            $crate::lambda::run_schedule(LAMBDA, $crate::schedule_handler!($handler))
        }
    };
}

/// The `main` of an HTTP Lambda's bin (`src/bin/<binary>.rs`): names its handler, takes what its
/// row needs, serves. `functions::http_lambda!(functions::sessions::sign_in::handle);`
#[macro_export]
macro_rules! http_lambda {
    ($handler:path) => {
        fn main() -> Result<(), $crate::lambda::BoxError> {
            const LAMBDA: &$crate::registry::Lambda =
                $crate::registry::lambda(env!("CARGO_BIN_NAME"), stringify!($handler), false);
            $crate::lambda::run_http(LAMBDA, $crate::http_handler!($handler))
        }
    };
}

/// The `main` of the authorizer's bin. `functions::authorizer_lambda!(functions::authorizer::decide);`
#[macro_export]
macro_rules! authorizer_lambda {
    ($decide:path) => {
        fn main() -> Result<(), $crate::lambda::BoxError> {
            const LAMBDA: &$crate::registry::Lambda =
                $crate::registry::lambda(env!("CARGO_BIN_NAME"), stringify!($decide), true);
            $crate::lambda::run_authorizer(LAMBDA, $crate::authorizer_fn!($decide))
        }
    };
}

#[cfg(test)]
mod tests {
    use super::log_filter;
    use tracing::Level;

    #[test]
    fn the_log_filter_takes_rust_log_by_module_else_the_level() {
        let filter = log_filter(Some("warn,shared=debug"), "info");
        assert!(filter.would_enable("shared::usecases", &Level::DEBUG));
        assert!(!filter.would_enable("shared::usecases", &Level::TRACE));
        assert!(!filter.would_enable("aws_smithy_runtime", &Level::INFO));
        assert!(filter.would_enable("aws_smithy_runtime", &Level::WARN));
        for filter in [log_filter(None, "error"), log_filter(Some("=x=y="), "error")] {
            assert!(filter.would_enable("shared", &Level::ERROR));
            assert!(!filter.would_enable("shared", &Level::WARN));
        }
        assert!(log_filter(None, "nonsense").would_enable("shared", &Level::INFO));
        assert!(!log_filter(None, "nonsense").would_enable("shared", &Level::DEBUG));
    }

    #[test]
    fn debug_lines_reach_the_log_when_the_filter_asks_for_them() {
        // The subscriber every Lambda installs (fmt's own INFO cap would hide what the filter lets through).
        tracing::subscriber::with_default(super::subscriber(Some("warn,functions=debug"), "info"), || {
            assert!(tracing::enabled!(Level::DEBUG), "this module's target is functions::lambda::tests");
            assert!(!tracing::enabled!(Level::TRACE));
            assert!(!tracing::enabled!(target: "aws_smithy_runtime", Level::INFO));
        });
        tracing::subscriber::with_default(super::subscriber(None, "debug"), || {
            assert!(tracing::enabled!(Level::DEBUG))
        });
        tracing::subscriber::with_default(super::subscriber(None, "info"), || {
            assert!(!tracing::enabled!(Level::DEBUG))
        });
    }
}
