//! Privacy: consents the client signs and can withdraw, the access log of their records,
//! export of everything (JSON and FHIR R4), erasure with retention, and break-glass
//! emergency access that the client always sees.

pub mod access_log;
pub mod api;
pub mod consent;
pub mod consents_api;
pub mod emergency;
pub mod erasure;
pub mod export;
pub mod mail;
pub mod web;

use crate::platform::access::{Access, Routes, ADMIN, CLIENTS};
use crate::platform::housekeeping::Job;
use crate::platform::nav::{Audience, NavItem};
use axum::http::Method as M;
use axum::routing::{delete, get, post};

/// The routes of privacy, each with its access rule.
#[rustfmt::skip]
pub fn routes(r: Routes) -> Routes {
    use web::{consents as con, emergency as em, privacy as pc};
    use Access::*;
    r.add(M::GET, "/privacy", Roles(CLIENTS), get(pc::privacy))
        .add(M::POST, "/privacy/erase", Roles(CLIENTS), post(pc::erase))
        .add(M::GET, "/consents", Roles(CLIENTS), get(con::list))
        .add(M::GET, "/consents/{key}", Roles(CLIENTS), get(con::show))
        .add(M::POST, "/consents/{key}/sign", Roles(CLIENTS), post(con::sign))
        .add(M::POST, "/consents/{key}/withdraw", Roles(CLIENTS), post(con::withdraw))
        .add(M::GET, "/consents/{key}/signed", Roles(CLIENTS), get(con::download))
        .add(M::GET, "/admin/emergency", Roles(ADMIN), get(em::show))
        .add(M::POST, "/admin/emergency", Roles(ADMIN), post(em::grant))
        .add(M::GET, "/admin/emergency/{id}", Roles(ADMIN), get(em::records))
        .add(M::POST, "/admin/emergency/{id}/end", Roles(ADMIN), post(em::end))
        .add(M::GET, "/api/v1/me/access-log", Roles(CLIENTS), get(api::access_log))
        .add(M::GET, "/api/v1/me/access-log/fhir", Roles(CLIENTS), get(api::access_log_fhir))
        .add(M::GET, "/api/v1/me/export", Roles(CLIENTS), get(api::export_json))
        .add(M::GET, "/api/v1/me/export/fhir", Roles(CLIENTS), get(api::export_fhir))
        .add(M::GET, "/api/v1/me/erasure", Roles(CLIENTS), get(api::erasure_plan))
        .add(M::POST, "/api/v1/me/erasure", Roles(CLIENTS), post(api::erase))
        .add(M::GET, "/api/v1/me/emergency-access", Roles(CLIENTS), get(api::emergency_grants))
        .add(M::POST, "/api/v1/admin/emergency-access", Roles(ADMIN), post(api::grant_emergency))
        .add(M::GET, "/api/v1/consents", Roles(CLIENTS), get(consents_api::list))
        .add(M::POST, "/api/v1/consents/{key}/signature", Roles(CLIENTS), post(consents_api::sign))
        .add(M::DELETE, "/api/v1/consents/{key}/signature", Roles(CLIENTS), delete(consents_api::withdraw))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::access_log,
    api::access_log_fhir,
    api::export_json,
    api::export_fhir,
    api::erasure_plan,
    api::erase,
    api::emergency_grants,
    api::grant_emergency,
    consents_api::list,
    consents_api::sign,
    consents_api::withdraw,
))]
struct Api;

/// The OpenAPI description of privacy's endpoints.
pub fn openapi() -> utoipa::openapi::OpenApi {
    <Api as utoipa::OpenApi>::openapi()
}

/// Privacy's links in the main navigation.
pub fn nav() -> Vec<NavItem> {
    vec![
        NavItem {
            href: "/consents",
            label: "Consents",
            audience: Audience::Roles(CLIENTS),
            order: 40,
        },
        NavItem {
            href: "/privacy",
            label: "Privacy",
            audience: Audience::Roles(CLIENTS),
            order: 50,
        },
    ]
}

/// Destroying the keys of erased clients whose retention period has ended.
pub fn jobs() -> Vec<Job> {
    vec![Job {
        name: "due erasures",
        run: |state| Box::pin(async move { erasure::run_due(state).await.map(|_| ()) }),
    }]
}
