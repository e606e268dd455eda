//! Scheduling: therapists' availability in their own zone, slots as clients see them,
//! booking that never gives a slot twice, moving and cancelling under a stated policy,
//! reminders, calendar feeds, and reliability measured from what happened.

pub mod api;
pub mod appointments;
pub mod availability;
pub mod booking;
pub mod jobs;
pub mod mail;
pub mod reliability;
pub mod service;
pub mod web;

use crate::platform::access::{Access, Ownership, Routes, CLIENTS, PARTICIPANTS, THERAPISTS};
use crate::platform::housekeeping::Job;
use crate::platform::nav::{Audience, NavItem};
use crate::platform::state::AppState;
use axum::http::Method as M;
use axum::routing::{get, post};
use rapport_core::UserId;

/// An appointment belongs to both its therapist and its client.
pub const APPOINTMENT: Ownership = Ownership {
    name: "appointment",
    owners: |state: &AppState, id: &str| {
        Box::pin(async move {
            Ok(state
                .store
                .appointment_parties(id)
                .await?
                .map(|(t, c): (UserId, UserId)| vec![t, c])
                .unwrap_or_default())
        })
    },
};

/// The routes of scheduling, each with its access rule.
#[rustfmt::skip]
pub fn routes(r: Routes) -> Routes {
    use web::{appointment as appt, booking as bk, calendar as cal, reliability as rel, sessions as ses, settings as set};
    use Access::*;
    let session = Owner(PARTICIPANTS, APPOINTMENT);
    r.add(M::GET, "/therapist/schedule", Roles(THERAPISTS), get(set::settings))
        .add(M::POST, "/therapist/schedule/settings", Roles(THERAPISTS), post(set::save_settings))
        .add(M::POST, "/therapist/schedule/hours", Roles(THERAPISTS), post(set::save_hours))
        .add(M::POST, "/therapist/schedule/overrides", Roles(THERAPISTS), post(set::add_override))
        .add(M::POST, "/therapist/schedule/overrides/{id}/remove", Roles(THERAPISTS), post(set::remove_override))
        .add(M::POST, "/therapist/schedule/time-off", Roles(THERAPISTS), post(set::add_time_off))
        .add(M::POST, "/therapist/schedule/time-off/{id}/remove", Roles(THERAPISTS), post(set::remove_time_off))
        .add(M::POST, "/therapist/schedule/types", Roles(THERAPISTS), post(set::add_type))
        .add(M::POST, "/therapist/schedule/types/{id}/toggle", Roles(THERAPISTS), post(set::toggle_type))
        .add(M::GET, "/therapist/calendar", Roles(THERAPISTS), get(cal::week))
        .add(M::GET, "/therapist/reliability", Roles(THERAPISTS), get(rel::reliability))
        .add(M::GET, "/therapists/{id}/book", Roles(CLIENTS), get(bk::book_form))
        .add(M::POST, "/therapists/{id}/book", Roles(CLIENTS), post(bk::book))
        .add(M::GET, "/sessions", Roles(PARTICIPANTS), get(ses::sessions))
        .add(M::POST, "/sessions/feed", Roles(PARTICIPANTS), post(ses::create_feed))
        .add(M::POST, "/sessions/feed/revoke", Roles(PARTICIPANTS), post(ses::revoke_feed))
        .add(M::GET, "/calendar/{token}", Public, get(ses::feed))
        .add(M::GET, "/appointments/{id}", session, get(appt::appointment))
        .add(M::GET, "/appointments/{id}/calendar.ics", session, get(appt::download))
        .add(M::POST, "/appointments/{id}/cancel", session, post(appt::cancel))
        .add(M::GET, "/appointments/{id}/reschedule", session, get(bk::reschedule_form))
        .add(M::POST, "/appointments/{id}/reschedule", session, post(bk::reschedule))
        .add(M::POST, "/appointments/{id}/join", session, post(appt::join))
        .add(M::POST, "/appointments/{id}/leave", session, post(appt::leave))
        .add(M::GET, "/api/v1/therapists/{id}/availability", Public, get(api::availability))
        .add(M::POST, "/api/v1/appointments", Roles(CLIENTS), post(api::book))
        .add(M::GET, "/api/v1/me/appointments", Roles(PARTICIPANTS), get(api::mine))
        .add(M::GET, "/api/v1/appointments/{id}", session, get(api::show))
        .add(M::POST, "/api/v1/appointments/{id}/cancel", session, post(api::cancel))
        .add(M::POST, "/api/v1/appointments/{id}/reschedule", session, post(api::reschedule))
        .add(M::POST, "/api/v1/appointments/{id}/presence", session, post(api::presence))
        .add(M::GET, "/api/v1/me/reliability", Roles(THERAPISTS), get(api::reliability))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::availability,
    api::book,
    api::mine,
    api::show,
    api::cancel,
    api::reschedule,
    api::presence,
    api::reliability,
))]
struct Api;

/// The OpenAPI description of scheduling's endpoints.
pub fn openapi() -> utoipa::openapi::OpenApi {
    <Api as utoipa::OpenApi>::openapi()
}

/// Scheduling's links in the main navigation.
pub fn nav() -> Vec<NavItem> {
    vec![
        NavItem {
            href: "/sessions",
            label: "Sessions",
            audience: Audience::Roles(CLIENTS),
            order: 30,
        },
        NavItem {
            href: "/therapist/calendar",
            label: "Calendar",
            audience: Audience::Roles(THERAPISTS),
            order: 30,
        },
        NavItem {
            href: "/therapist/schedule",
            label: "Availability",
            audience: Audience::Roles(THERAPISTS),
            order: 40,
        },
    ]
}

/// Settling sessions that ended, and sending reminders.
pub fn jobs() -> Vec<Job> {
    vec![
        Job {
            name: "settle ended sessions",
            run: |state| {
                Box::pin(async move {
                    jobs::settle_due(state, chrono::Utc::now())
                        .await
                        .map(|_| ())
                })
            },
        },
        Job {
            name: "session reminders",
            run: |state| {
                Box::pin(async move {
                    jobs::send_reminders(state, chrono::Utc::now())
                        .await
                        .map(|_| ())
                })
            },
        },
    ]
}
