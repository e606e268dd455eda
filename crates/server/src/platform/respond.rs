//! Turning errors into responses: RFC 9457 problem+json under `/api/`, a friendly page
//! elsewhere. Handlers return [`AppError`]; the [`render_errors`] middleware, which knows
//! the request, writes the body once and logs internals with the request id.

use crate::platform::error::{AppError, FieldProblem};
use crate::platform::layout::PageCtx;
use crate::platform::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

/// An RFC 9457 problem details body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`about:blank` when the status says it all).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What happened and what to do, in words a person can act on.
    pub detail: String,
    /// The request id, to quote when asking for help.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Field-by-field problems with the input, when there are any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// What an error response carries until [`render_errors`] writes its body.
#[derive(Clone)]
pub struct PendingError {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    pub fields: Vec<FieldProblem>,
    /// Internal detail for the log only.
    pub internal: Option<String>,
}

impl From<&AppError> for PendingError {
    fn from(e: &AppError) -> Self {
        Self {
            status: e.status(),
            title: e.title(),
            detail: e.public_message(),
            fields: e.field_errors(),
            internal: match e {
                AppError::Internal(inner) => Some(format!("{inner:#}")),
                _ => None,
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let pending = PendingError::from(&self);
        let mut res = pending.status.into_response();
        res.extensions_mut().insert(pending);
        res
    }
}

pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

fn request_id(req: &Request) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string()
}

/// Renders an error for `req` right away (for middleware that answers before routing).
pub fn error_for(state: &AppState, path: &str, req: &Request, e: AppError) -> Response {
    let pending = PendingError::from(&e);
    let rid = request_id(req);
    if is_api(path) {
        problem_response(&pending, &rid)
    } else {
        let ctx = PageCtx::from_extensions(req.extensions(), state);
        page_response(&pending, ctx, &rid)
    }
}

/// Middleware: fills in the body of any response that carries a [`PendingError`].
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let rid = request_id(&req);
    let ctx = (!api).then(|| PageCtx::from_extensions(req.extensions(), &state));
    let res = next.run(req).await;
    let Some(pending) = res.extensions().get::<PendingError>().cloned() else {
        return res;
    };
    if let Some(internal) = &pending.internal {
        tracing::error!(request_id = %rid, error = %internal, "request failed");
    }
    let mut out = match ctx {
        None => problem_response(&pending, &rid),
        Some(ctx) => page_response(&pending, ctx, &rid),
    };
    // Keep headers set by inner layers (cookies being cleared, Retry-After, …).
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

fn problem_response(p: &PendingError, rid: &str) -> Response {
    let body = Problem {
        kind: "about:blank".into(),
        title: p.title.into(),
        status: p.status.as_u16(),
        detail: p.detail.clone(),
        instance: Some(format!("urn:rapport:request:{rid}")),
        errors: p.fields.clone(),
    };
    let mut res = (p.status, axum::Json(body)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

fn page_response(p: &PendingError, ctx: PageCtx, rid: &str) -> Response {
    let page = crate::platform::layout::ErrorPage {
        ctx,
        status: p.status.as_u16(),
        title: p.title,
        detail: p.detail.clone(),
        request_id: rid.to_string(),
    };
    match askama::Template::render(&page) {
        Ok(html) => (p.status, Html(html)).into_response(),
        Err(_) => (p.status, p.detail.clone()).into_response(),
    }
}

/// Middleware: refuses a body declared larger than the limit before any handler runs, so
/// even routes that ignore their body answer 413 (streamed bodies are still capped by the
/// extractors' own limit).
pub async fn refuse_oversized(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .or_else(|| {
            use axum::body::HttpBody;
            req.body().size_hint().exact().map(|n| n as usize)
        });
    let is_upload = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let limit = if is_upload {
        crate::platform::forms::UPLOAD_LIMIT + 64 * 1024
    } else {
        state.config.body_limit
    };
    if declared.is_some_and(|n| n > limit) {
        return AppError::PayloadTooLarge(format!(
            "The request body is larger than Rapport accepts ({} KiB).",
            limit / 1024
        ))
        .into_response();
    }
    next.run(req).await
}
