//! The platform: everything a feature stands on and nothing about any feature — access
//! rules and the route table, authentication and CSRF, security headers, errors and
//! responses, state and configuration, metrics and operations endpoints, housekeeping,
//! reading forms, the page layout and navigation, and the mail outbox.

pub mod access;
pub mod assets;
pub mod auth;
pub mod config;
pub mod error;
pub mod forms;
pub mod headers;
pub mod housekeeping;
pub mod layout;
pub mod mail;
pub mod meta;
pub mod metrics;
pub mod nav;
pub mod openapi;
pub mod ops;
pub mod respond;
pub mod secrets;
pub mod serve;
pub mod state;

use access::{Access, Routes};
use axum::http::Method as M;
use axum::routing::get;

/// The platform's own routes: operations endpoints and static assets.
#[rustfmt::skip]
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    r.add(M::GET, "/healthz", Public, get(ops::healthz))
        .add(M::GET, "/readyz", Public, get(ops::readyz))
        .add(M::GET, "/metrics", Public, get(ops::metrics))
        .add(M::GET, "/static/{name}", Public, get(assets::file))
}
