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
    let method = req.method().to_string();
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
    state.metrics.record(&method, &route, status, elapsed);
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

pub async fn metrics(State(state): State<AppState>) -> Response {
    if let Ok((pending, sent, failed)) = state.store.outbox_counts().await {
        let mut text = state.metrics.encode();
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
        return (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
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
