//! The local HTTP server: the gateway on loopback, plus the sandbox's outbox for a person to read.

use crate::gateway::{Gateway, MAX_PAYLOAD_BYTES};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;

async fn handle(
    gateway: Arc<Gateway>,
    request: http::Request<Incoming>,
    peer: SocketAddr,
) -> http::Response<Full<Bytes>> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let (method, path) = (parts.method.clone(), parts.uri.path().to_owned());
    let response = match Limited::new(body, MAX_PAYLOAD_BYTES).collect().await {
        Err(_) => {
            let mut r = http::Response::new(Bytes::from_static(br#"{"message":"Request Entity Too Large"}"#));
            *r.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
            r
        }
        Ok(collected) => {
            let request = http::Request::from_parts(parts, collected.to_bytes());
            if request.method() == http::Method::GET && request.uri().path() == "/sandbox/sms-outbox" {
                sms_outbox(&gateway, request.uri().query())
            } else {
                gateway.dispatch(request, &peer.ip().to_string()).await
            }
        }
    };
    tracing::info!(%method, path, status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    response.map(Full::new)
}

/// `GET /sandbox/sms-outbox[?phone=+86...]`: what the sandbox SMS provider "sent", newest last.
fn sms_outbox(gateway: &Gateway, query: Option<&str>) -> http::Response<Bytes> {
    let phone = query
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("phone=")))
        .map(|p| p.replace("%2B", "+").replace("%2b", "+"));
    let phone = phone.map(|p| if p.starts_with(' ') { format!("+{}", p.trim_start()) } else { p });
    let messages =
        gateway.state().services.sandbox_sms.as_ref().map(|s| s.messages(phone.as_deref())).unwrap_or_default();
    let mut response = http::Response::new(Bytes::from(serde_json::json!({ "messages": messages }).to_string()));
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    response
}

/// Serves until `shutdown` completes.
pub async fn serve(listener: TcpListener, gateway: Arc<Gateway>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let gateway = gateway.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let gateway = gateway.clone();
                        async move { Ok::<_, Infallible>(handle(gateway, req, peer).await) }
                    });
                    if let Err(e) = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                        tracing::debug!(error = %e, "connection ended");
                    }
                });
            }
        }
    }
}
