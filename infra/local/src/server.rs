//! The local HTTP server: the gateway on loopback, plus the sandbox providers' local routes.

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
            if request.uri().path().starts_with("/sandbox/") {
                crate::sandbox::handle(&gateway, request, &peer.ip().to_string()).await
            } else {
                gateway.dispatch(request, &peer.ip().to_string()).await
            }
        }
    };
    tracing::info!(%method, path, status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    response.map(Full::new)
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
