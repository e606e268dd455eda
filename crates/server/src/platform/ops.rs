//! Operations: liveness, readiness, Prometheus metrics (labelled by route template, never
//! by a concrete path, so ids and tokens cannot end up in metrics) and request logging.

use crate::platform::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Instant;

/// Middleware: counts and times every request under its route template, and logs it
/// with the request id. The concrete URI is never logged: it may hold a token.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    // Only the methods Rapport serves get a label of their own: a made-up method must not
    // add a series that lives for ever (one per client trick would grow /metrics without end).
    let method = match *req.method() {
        axum::http::Method::GET => "GET",
        axum::http::Method::HEAD => "HEAD",
        axum::http::Method::POST => "POST",
        axum::http::Method::PUT => "PUT",
        axum::http::Method::PATCH => "PATCH",
        axum::http::Method::DELETE => "DELETE",
        axum::http::Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    };
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let start = Instant::now();
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    state.metrics.record(method, &route, status, elapsed);
    tracing::info!(
        request_id = %request_id,
        method = %method,
        route = %route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    res
}

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers and every migration is applied.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let db = state.store.ping().await.is_ok();
    let migrations = state.store.migrations_current().await.unwrap_or(false);
    let body = serde_json::json!({
        "database": if db { "ok" } else { "unreachable" },
        "migrations": if migrations { "current" } else { "pending" },
    });
    let status = if db && migrations {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

/// The content type of what [`exposition`] writes (OpenMetrics text, which Prometheus reads).
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// `/metrics` on the main listener: only with the operator's metrics token
/// (`Authorization: Bearer …`), else 404 as if it did not exist. Without a token it is
/// served only on the separate `--metrics-listen` address (see [`private_metrics`]).
pub async fn metrics(State(state): State<AppState>, req: Request) -> Response {
    let Some(expected) = &state.config.metrics_token else {
        return crate::platform::error::AppError::NotFound.into_response();
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    use subtle::ConstantTimeEq;
    if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return crate::platform::error::AppError::NotFound.into_response();
    }
    exposition(&state).await
}

/// `/metrics` on the operator's private listener (`--metrics-listen`).
pub async fn private_metrics(State(state): State<AppState>) -> Response {
    exposition(&state).await
}

async fn exposition(state: &AppState) -> Response {
    let mut text = state.metrics.encode();
    if let Ok((pending, sent, failed)) = state.store.outbox_counts().await {
        // Outbox gauges are read from the database at scrape time.
        let eof = text.rfind("# EOF").unwrap_or(text.len());
        text.insert_str(
            eof,
            &format!(
                "# HELP rapport_mail_outbox Mails in the outbox by state.\n# TYPE rapport_mail_outbox gauge\n\
                 rapport_mail_outbox{{state=\"pending\"}} {pending}\nrapport_mail_outbox{{state=\"sent\"}} {sent}\n\
                 rapport_mail_outbox{{state=\"failed\"}} {failed}\n"
            ),
        );
    }
    ([(header::CONTENT_TYPE, OPENMETRICS)], text).into_response()
}

/// Middleware: a request id sent by the client is dropped (a fresh one is made), unless
/// Rapport runs behind a proxy the operator trusts; even then only a short, plain id is
/// kept, so nothing a client chooses reaches logs unchecked.
pub async fn distrust_request_id(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let keep = state.config.trust_proxy
        && req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                !v.is_empty()
                    && v.len() <= 64
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            });
    if !keep {
        req.headers_mut().remove("x-request-id");
    }
    next.run(req).await
}

/// Request ids: a random per-process prefix and a counter. Unique without a system call
/// per request (UUIDs drew from the OS generator on every request).
#[derive(Clone)]
pub struct RequestIds {
    prefix: std::sync::Arc<str>,
    next: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Default for RequestIds {
    fn default() -> Self {
        let mut bytes = [0u8; 8];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        Self {
            prefix: hex::encode(bytes).into(),
            next: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(1)),
        }
    }
}

impl tower_http::request_id::MakeRequestId for RequestIds {
    fn make_request_id<B>(
        &mut self,
        _: &axum::http::Request<B>,
    ) -> Option<tower_http::request_id::RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        axum::http::HeaderValue::from_str(&format!("{}-{n:016x}", self.prefix))
            .ok()
            .map(tower_http::request_id::RequestId::new)
    }
}
