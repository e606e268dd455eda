//! The directory of verified therapists: profiles and photos, licenses with evidence and
//! their verification by an admin, search, and matching a client to therapists licensed
//! where they are, with the reasons for each match.

pub mod api;
pub mod credentials;
pub mod mail;
pub mod matching;
pub mod profiles;
pub mod service;
pub mod uploads;
pub mod web;

use crate::platform::access::{Access, Ownership, Routes, ADMIN, CLIENTS, THERAPISTS};
use crate::platform::forms::UPLOAD_LIMIT;
use crate::platform::housekeeping::Job;
use crate::platform::nav::{Audience, NavItem};
use crate::platform::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::Method as M;
use axum::routing::{get, post, put, MethodRouter};
use rapport_core::UserId;

/// A license belongs to the therapist who submitted it.
pub const LICENSE: Ownership = Ownership {
    name: "license",
    owners: |state: &AppState, id: &str| {
        Box::pin(async move {
            Ok(state
                .store
                .license(id)
                .await?
                .map(|l| UserId(l.therapist_id))
                .into_iter()
                .collect())
        })
    },
};

fn upload(r: MethodRouter<AppState>) -> MethodRouter<AppState> {
    r.layer(DefaultBodyLimit::max(UPLOAD_LIMIT + 64 * 1024))
}

/// The routes of the directory, each with its access rule.
#[rustfmt::skip]
pub fn routes(r: Routes) -> Routes {
    use web::{credentials as cred, matching as mat, profile as prof, search, uploads as up};
    use Access::*;
    let own_license = Owner(THERAPISTS, LICENSE);
    r.add(M::GET, "/therapists", Public, get(search::search))
        .add(M::GET, "/therapists/{id}", Public, get(search::profile))
        .add(M::GET, "/match", Roles(CLIENTS), get(mat::show))
        .add(M::POST, "/match", Roles(CLIENTS), post(mat::submit))
        .add(M::GET, "/therapist/profile", Roles(THERAPISTS), get(prof::show))
        .add(M::POST, "/therapist/profile", Roles(THERAPISTS), post(prof::save))
        .add(M::POST, "/therapist/photo", Roles(THERAPISTS), upload(post(up::upload_photo)))
        .add(M::GET, "/therapists/{id}/photo", Public, get(up::photo))
        .add(M::POST, "/therapist/licenses/{id}/evidence", own_license, upload(post(up::upload_evidence)))
        .add(M::GET, "/therapist/licenses/{id}/evidence", own_license, get(up::evidence))
        .add(M::GET, "/admin/licenses/{license}/evidence", Roles(ADMIN), get(up::evidence))
        .add(M::GET, "/therapist/licenses", Roles(THERAPISTS), get(cred::mine))
        .add(M::POST, "/therapist/licenses", Roles(THERAPISTS), post(cred::submit))
        .add(M::GET, "/admin/licenses", Roles(ADMIN), get(cred::queue))
        .add(M::POST, "/admin/licenses/{license}/decision", Roles(ADMIN), post(cred::decide))
        .add(M::GET, "/api/v1/therapists", Public, get(api::search))
        .add(M::GET, "/api/v1/therapists/{id}", Public, get(api::profile))
        .add(M::PUT, "/api/v1/me/profile", Roles(THERAPISTS), put(api::save_profile))
        .add(M::GET, "/api/v1/me/licenses", Roles(THERAPISTS), get(api::my_licenses))
        .add(M::POST, "/api/v1/me/licenses", Roles(THERAPISTS), post(api::submit_license))
        .add(M::PUT, "/api/v1/me/location", Roles(CLIENTS), put(api::set_location))
        .add(M::POST, "/api/v1/match", Roles(CLIENTS), post(api::find_matches))
        .add(M::GET, "/api/v1/admin/licenses", Roles(ADMIN), get(api::queue))
        .add(M::POST, "/api/v1/admin/licenses/{license}/decision", Roles(ADMIN), post(api::decide))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::search,
    api::profile,
    api::my_licenses,
    api::submit_license,
    api::queue,
    api::decide,
    api::set_location,
    api::save_profile,
    api::find_matches,
))]
struct Api;

/// The OpenAPI description of the directory's endpoints.
pub fn openapi() -> utoipa::openapi::OpenApi {
    <Api as utoipa::OpenApi>::openapi()
}

/// The directory's links in the main navigation.
pub fn nav() -> Vec<NavItem> {
    vec![
        NavItem {
            href: "/therapists",
            label: "Find a therapist",
            audience: Audience::Everyone,
            order: 1,
        },
        NavItem {
            href: "/match",
            label: "Find your match",
            audience: Audience::Roles(CLIENTS),
            order: 20,
        },
        NavItem {
            href: "/admin/licenses",
            label: "Licenses",
            audience: Audience::Roles(ADMIN),
            order: 20,
        },
        NavItem {
            href: "/therapist/profile",
            label: "Profile",
            audience: Audience::Roles(THERAPISTS),
            order: 50,
        },
        NavItem {
            href: "/therapist/licenses",
            label: "Licenses",
            audience: Audience::Roles(THERAPISTS),
            order: 60,
        },
    ]
}

/// Reminders of licenses about to expire.
pub fn jobs() -> Vec<Job> {
    vec![Job {
        name: "license expiry reminders",
        run: |state| {
            Box::pin(async move {
                credentials::send_expiry_reminders(state, service::today())
                    .await
                    .map(|_| ())
            })
        },
    }]
}
