//! The reply coach: private, on-server feedback for therapists on a draft reply (active
//! listening, risks to trust, and empathy levels when a model is configured). Nothing of
//! the text is stored or logged, and clients never see it.

pub mod api;
pub mod service;
pub mod web;

use crate::platform::access::{Access, Routes, THERAPISTS};
use crate::platform::nav::{Audience, NavItem};
use axum::http::Method as M;
use axum::routing::{delete, get, post, put};

/// The routes of the coach, each with its access rule.
#[rustfmt::skip]
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    r.add(M::GET, "/coach", Roles(THERAPISTS), get(web::page))
        .add(M::POST, "/coach", Roles(THERAPISTS), post(web::check))
        .add(M::POST, "/coach/opt-in", Roles(THERAPISTS), post(web::opt_in))
        .add(M::POST, "/coach/opt-out", Roles(THERAPISTS), post(web::opt_out))
        .add(M::POST, "/api/v1/coach/review", Roles(THERAPISTS), post(api::review))
        .add(M::PUT, "/api/v1/coach/opt-in", Roles(THERAPISTS), put(api::opt_in))
        .add(M::DELETE, "/api/v1/coach/opt-in", Roles(THERAPISTS), delete(api::opt_out))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(api::review, api::opt_in, api::opt_out))]
struct Api;

/// The OpenAPI description of the coach's endpoints.
pub fn openapi() -> utoipa::openapi::OpenApi {
    <Api as utoipa::OpenApi>::openapi()
}

/// The coach's link in the main navigation.
pub fn nav() -> Vec<NavItem> {
    vec![NavItem {
        href: "/coach",
        label: "Reply coach",
        audience: Audience::Roles(THERAPISTS),
        order: 70,
    }]
}
