//! The stylesheet and script, embedded in the binary (no CDN, no third party), served
//! under names that carry a hash of their content (`/static/app.3f2a….css`), so browsers
//! may keep them for a year: a new build with a changed file has a new name. Pages link
//! to the hashed names through [`css_href`] and [`js_href`].

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");

/// A year, and never revalidated: the name changes when the content does.
const FOREVER: &str = "public, max-age=31536000, immutable";

fn hashed(stem: &str, ext: &str, content: &str) -> String {
    let digest = hex::encode(Sha256::digest(content.as_bytes()));
    format!("{stem}.{}.{ext}", &digest[..16])
}

static CSS_NAME: LazyLock<String> = LazyLock::new(|| hashed("app", "css", CSS));
static JS_NAME: LazyLock<String> = LazyLock::new(|| hashed("app", "js", JS));
static CSS_HREF: LazyLock<String> = LazyLock::new(|| format!("/static/{}", *CSS_NAME));
static JS_HREF: LazyLock<String> = LazyLock::new(|| format!("/static/{}", *JS_NAME));

/// Where pages find the stylesheet.
pub fn css_href() -> &'static str {
    &CSS_HREF
}

/// Where pages find the script.
pub fn js_href() -> &'static str {
    &JS_HREF
}

/// `/static/{name}`: the current hashed files, for a year; anything else is not found
/// (an old page asking for an old name gets a 404 and the browser reloads it).
pub async fn file(Path(name): Path<String>) -> Response {
    let (content_type, body) = if name == *CSS_NAME {
        ("text/css; charset=utf-8", CSS)
    } else if name == *JS_NAME {
        ("text/javascript; charset=utf-8", JS)
    } else {
        return crate::platform::error::AppError::NotFound.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, FOREVER),
        ],
        body,
    )
        .into_response()
}
