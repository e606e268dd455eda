//! Care relationships: what every clinical feature stands on. One client and one
//! therapist; it begins with a first booking or an accepted contact request, either side
//! may end it, and it decides which therapist may open which of a client's records.

pub mod api;
pub mod mail;
pub mod service;
pub mod web;

use crate::platform::access::{Access, Ownership, Routes, CLIENTS, PARTICIPANTS, THERAPISTS};
use crate::platform::nav::{Audience, NavItem};
use crate::platform::state::AppState;
use axum::http::Method as M;
use axum::routing::{get, post};
use rapport_core::UserId;

/// A relationship belongs to its client and its therapist.
pub const CARE: Ownership = Ownership {
    name: "care relationship",
    owners: |state: &AppState, id: &str| {
        Box::pin(async move {
            Ok(state
                .store
                .care(id)
                .await?
                .map(|r| vec![UserId(r.client_id), UserId(r.therapist_id)])
                .unwrap_or_default())
        })
    },
};

/// The routes of care, each with its access rule.
#[rustfmt::skip]
pub fn routes(r: Routes) -> Routes {
    use Access::*;
    let both = Owner(PARTICIPANTS, CARE);
    let therapist = Owner(THERAPISTS, CARE);
    let client = Owner(CLIENTS, CARE);
    r.add(M::GET, "/therapists/{id}/contact", Roles(CLIENTS), get(web::contact_form))
        .add(M::POST, "/therapists/{id}/contact", Roles(CLIENTS), post(web::contact))
        .add(M::GET, "/care", Roles(PARTICIPANTS), get(web::list))
        .add(M::GET, "/care/{id}", both, get(web::show))
        .add(M::POST, "/care/{id}/accept", therapist, post(web::accept))
        .add(M::POST, "/care/{id}/decline", therapist, post(web::decline))
        .add(M::POST, "/care/{id}/withdraw", client, post(web::withdraw))
        .add(M::POST, "/care/{id}/end", both, post(web::end))
        .add(M::POST, "/api/v1/therapists/{id}/contact-requests", Roles(CLIENTS), post(api::request_contact))
        .add(M::GET, "/api/v1/me/care", Roles(PARTICIPANTS), get(api::mine))
        .add(M::GET, "/api/v1/care/{id}", both, get(api::show))
        .add(M::POST, "/api/v1/care/{id}/accept", therapist, post(api::accept))
        .add(M::POST, "/api/v1/care/{id}/decline", therapist, post(api::decline))
        .add(M::POST, "/api/v1/care/{id}/withdraw", client, post(api::withdraw))
        .add(M::POST, "/api/v1/care/{id}/end", both, post(api::end))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::request_contact,
    api::mine,
    api::show,
    api::accept,
    api::decline,
    api::withdraw,
    api::end,
))]
struct Api;

/// The OpenAPI description of care's endpoints.
pub fn openapi() -> utoipa::openapi::OpenApi {
    <Api as utoipa::OpenApi>::openapi()
}

/// Care's links in the main navigation.
pub fn nav() -> Vec<NavItem> {
    vec![
        NavItem {
            href: "/care",
            label: "My therapists",
            audience: Audience::Roles(CLIENTS),
            order: 25,
        },
        NavItem {
            href: "/care",
            label: "Clients",
            audience: Audience::Roles(THERAPISTS),
            order: 25,
        },
    ]
}
