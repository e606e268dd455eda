//! The home page and the crisis lines: what everyone sees first, and help one tap away.

pub mod web;

use crate::platform::access::{Access, Routes};
use axum::http::Method as M;
use axum::routing::get;

/// The routes of the home pages.
#[rustfmt::skip]
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    r.add(M::GET, "/", Public, get(web::home))
        .add(M::GET, "/crisis", Public, get(web::crisis))
}
