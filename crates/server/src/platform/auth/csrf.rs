//! CSRF protection: a random token in a `__Host-` cookie (which no other origin or
//! subdomain can set) must come back in the form field `csrf` or the `X-CSRF-Token`
//! header of every state-changing request; a foreign `Origin` is refused as well.

use super::{cookie_value, host_cookie, CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER};
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, ORIGIN, SET_COOKIE};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use subtle::ConstantTimeEq;

/// The token for this request, for templates to embed in forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Middleware: makes sure every visitor has a CSRF cookie, issuing one if needed.
pub async fn ensure_cookie(mut req: Request, next: Next) -> Response {
    // Programs with a bearer token have no use for a CSRF cookie: skip making one.
    if req
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION)
    {
        return next.run(req).await;
    }
    let existing = cookie_value(req.headers(), CSRF_COOKIE).filter(|t| t.len() >= 32);
    let (token, fresh) = match existing {
        Some(t) => (t, false),
        None => (super::secrets::random_token(), true),
    };
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut res = next.run(req).await;
    if fresh {
        if let Ok(v) = HeaderValue::from_str(&host_cookie(CSRF_COOKIE, &token, None)) {
            res.headers_mut().append(SET_COOKIE, v);
        }
    }
    res
}

pub enum CsrfFailure {
    /// The request came from another site.
    ForeignOrigin,
    /// No token, or the wrong one.
    BadToken,
    /// The body could not be read (too large).
    Body,
}

/// Checks a state-changing request; returns the request with its body restored.
/// Refuses a request that says it came from another site: an `Origin` that is not ours,
/// or `Sec-Fetch-Site: cross-site`/`same-site`. Browsers send `Origin: null` for our own
/// forms because pages are served with `Referrer-Policy: no-referrer`, so `null` proves
/// nothing either way and the token decides.
pub fn check_origin(headers: &axum::http::HeaderMap, origin: &str) -> Result<(), CsrfFailure> {
    if let Some(o) = headers.get(ORIGIN) {
        let o = o.to_str().map_err(|_| CsrfFailure::ForeignOrigin)?;
        if o != "null" && o != origin {
            return Err(CsrfFailure::ForeignOrigin);
        }
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site == "cross-site" || site == "same-site" {
            return Err(CsrfFailure::ForeignOrigin);
        }
    }
    Ok(())
}

pub async fn check(req: Request, origin: &str, body_limit: usize) -> Result<Request, CsrfFailure> {
    check_origin(req.headers(), origin)?;
    let expected = req
        .extensions()
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .filter(|_| cookie_value(req.headers(), CSRF_COOKIE).is_some())
        .ok_or(CsrfFailure::BadToken)?;
    let matches = |given: &str| bool::from(given.as_bytes().ct_eq(expected.as_bytes()));
    if let Some(h) = req.headers().get(CSRF_HEADER) {
        return if h.to_str().map(matches).unwrap_or(false) {
            Ok(req)
        } else {
            Err(CsrfFailure::BadToken)
        };
    }
    // File uploads are multipart; their forms carry the token in the action's query string.
    let is_multipart = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if is_multipart {
        let given = req.uri().query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v.into_owned())
        });
        return match given {
            Some(g) if matches(&g) => Ok(req),
            _ => Err(CsrfFailure::BadToken),
        };
    }
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(CsrfFailure::BadToken);
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, body_limit)
        .await
        .map_err(|_| CsrfFailure::Body)?;
    let given = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    match given {
        Some(g) if matches(&g) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(CsrfFailure::BadToken),
    }
}
