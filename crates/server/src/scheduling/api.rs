//! Scheduling endpoints: a therapist's offered times, booking, a person's sessions,
//! moving, cancelling, presence, and a therapist's own reliability.

use crate::platform::auth::Actor;
use crate::platform::error::AppResult;
use crate::platform::forms::{ApiJson, ApiQuery};
use crate::platform::respond::Problem;
use crate::platform::state::AppState;
use crate::scheduling::service as sched;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use rapport_core::schedule::zone;
use rapport_core::schedule::Reliability;
use rapport_core::time::{from_millis, to_millis};
use rapport_core::{Invalid, UserId};
use rapport_store::schedule::{Appointment, AppointmentEvent, SessionType};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SlotParams {
    /// Which session type; the first one offered when omitted.
    pub session_type: Option<String>,
    /// Start of the range (RFC 3339); now when omitted.
    pub from: Option<String>,
    /// Days from `from` (1 to 62, default 14).
    pub days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Slot {
    pub starts_at: String,
    pub ends_at: String,
    /// The start in the asking client's own zone (the therapist's when signed out).
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Availability {
    /// The therapist's zone, which their hours are set in.
    pub therapist_time_zone: String,
    /// The zone `label`s are written in.
    pub shown_in_time_zone: String,
    /// The cancellation policy, in the words shown before booking.
    pub policy: String,
    pub session_types: Vec<SessionType>,
    pub session_type: Option<String>,
    pub slots: Vec<Slot>,
}

/// `2026-12-01T09:00:00Z`: how the API writes instants.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[utoipa::path(get, path = "/api/v1/therapists/{id}/availability", tag = "scheduling",
    params(("id" = String, Path, description = "The therapist's id"), SlotParams),
    responses(
        (status = 200, description = "Session types, the policy, and free times", body = Availability),
        (status = 404, description = "No listed therapist with that id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn availability(
    State(state): State<AppState>,
    identity: crate::platform::auth::Identity,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<SlotParams>,
) -> AppResult<Json<Availability>> {
    let therapist = UserId(id);
    crate::directory::service::listed_licenses(&state, &therapist).await?;
    let s = sched::load(&state, &therapist).await?;
    let now = Utc::now();
    let from = match &p.from {
        Some(raw) => sched::parse_instant("from", raw)?,
        None => now,
    };
    let days = p.days.unwrap_or(14);
    if !(1..=62).contains(&days) {
        return Err(Invalid::new("days", "Ask for between 1 and 62 days.").into());
    }
    let shown = identity
        .0
        .as_ref()
        .map(|a| a.user.time_zone().tz())
        .unwrap_or(s.zone());
    let types: Vec<SessionType> = s.types.iter().filter(|t| t.active).cloned().collect();
    let chosen = match &p.session_type {
        Some(t) => Some(s.offered_type(t)?.clone()),
        None => types.first().cloned(),
    };
    let mut slots = Vec::new();
    if let Some(t) = &chosen {
        let kind = sched::kind_of(t);
        for start in
            sched::offered(&state, &s, t, from, from + Duration::days(days), now, None).await?
        {
            slots.push(Slot {
                starts_at: rfc3339(start),
                ends_at: rfc3339(kind.end(start)),
                label: zone::label(start, shown),
            });
        }
    }
    Ok(Json(Availability {
        therapist_time_zone: s.zone().name().into(),
        shown_in_time_zone: shown.name().into(),
        policy: s.policy().text(),
        session_types: types,
        session_type: chosen.map(|t| t.id),
        slots,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    pub therapist_id: String,
    pub session_type: String,
    /// One of the offered `starts_at` values (RFC 3339).
    pub starts_at: String,
    /// Weekly sessions to book at this time, 1 (default) to 12; all or none.
    pub weeks: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookingResult {
    pub appointment_ids: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/appointments", tag = "scheduling", request_body = BookingRequest,
    responses(
        (status = 201, description = "Booked", body = BookingResult),
        (status = 403, description = "Consents missing, or the therapist is not licensed where the client is", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "That time was just taken (or is not offered); nothing was booked", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn book(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(b): ApiJson<BookingRequest>,
) -> AppResult<(StatusCode, Json<BookingResult>)> {
    let start = sched::parse_instant("starts_at", &b.starts_at)?;
    let ids = sched::book(
        &state,
        &actor,
        &UserId(b.therapist_id),
        &b.session_type,
        start,
        b.weeks.unwrap_or(1),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(BookingResult {
            appointment_ids: ids,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentView {
    pub id: String,
    pub therapist_id: String,
    pub therapist_name: String,
    pub client_id: String,
    pub client_name: String,
    pub session_type: String,
    pub series_id: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    /// The start in the asking person's own zone.
    pub label: String,
    /// booked, cancelled, completed or no_show.
    pub status: String,
    pub cancelled_by: Option<String>,
    pub cancelled_late: bool,
    pub no_show_therapist: bool,
    pub no_show_client: bool,
    pub policy: String,
}

pub fn view(a: &Appointment, viewer_zone: chrono_tz::Tz) -> AppointmentView {
    AppointmentView {
        id: a.id.clone(),
        therapist_id: a.therapist_id.clone(),
        therapist_name: a.therapist_name.clone(),
        client_id: a.client_id.clone(),
        client_name: a.client_name.clone(),
        session_type: a.session_name.clone(),
        series_id: a.series_id.clone(),
        starts_at: rfc3339(from_millis(a.starts_at)),
        ends_at: rfc3339(from_millis(a.ends_at)),
        label: zone::label(from_millis(a.starts_at), viewer_zone),
        status: a.status.clone(),
        cancelled_by: a.cancelled_by.clone(),
        cancelled_late: a.cancelled_late,
        no_show_therapist: a.no_show_therapist,
        no_show_client: a.no_show_client,
        policy: sched::policy_of(a).text(),
    }
}

#[utoipa::path(get, path = "/api/v1/me/appointments", tag = "scheduling",
    responses(
        (status = 200, description = "Sessions from 30 days ago to a year ahead, as client or therapist", body = [AppointmentView]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn mine(
    State(state): State<AppState>,
    actor: Actor,
) -> AppResult<Json<Vec<AppointmentView>>> {
    let now = Utc::now();
    let list = state
        .store
        .appointments_of(
            &actor.user.id,
            to_millis(now - Duration::days(30)),
            to_millis(now + Duration::days(400)),
        )
        .await?;
    let tz = actor.user.time_zone().tz();
    Ok(Json(list.iter().map(|a| view(a, tz)).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentDetail {
    pub appointment: AppointmentView,
    pub history: Vec<AppointmentEvent>,
}

#[utoipa::path(get, path = "/api/v1/appointments/{id}", tag = "scheduling",
    params(("id" = String, Path, description = "The appointment's id")),
    responses(
        (status = 200, description = "The appointment and its history", body = AppointmentDetail),
        (status = 404, description = "No such appointment of yours", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Json<AppointmentDetail>> {
    let (a, _) = sched::appointment_for(&state, &actor, &id).await?;
    Ok(Json(AppointmentDetail {
        appointment: view(&a, actor.user.time_zone().tz()),
        history: state.store.appointment_events(&id).await?,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Cancelled {
    /// True when the cancellation came after the policy's deadline.
    pub late: bool,
}

#[utoipa::path(post, path = "/api/v1/appointments/{id}/cancel", tag = "scheduling",
    params(("id" = String, Path, description = "The appointment's id")),
    responses(
        (status = 200, description = "Cancelled", body = Cancelled),
        (status = 403, description = "No longer booked, or already over", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such appointment of yours", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Json<Cancelled>> {
    let late = sched::cancel(&state, &actor, &id).await?;
    Ok(Json(Cancelled { late }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// One of the offered `starts_at` values (RFC 3339).
    pub starts_at: String,
}

#[utoipa::path(post, path = "/api/v1/appointments/{id}/reschedule", tag = "scheduling",
    params(("id" = String, Path, description = "The appointment's id")), request_body = RescheduleRequest,
    responses(
        (status = 204, description = "Moved"),
        (status = 403, description = "Past the free-change deadline, or no longer booked", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "That time was just taken; nothing changed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reschedule(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<RescheduleRequest>,
) -> AppResult<StatusCode> {
    let to = sched::parse_instant("starts_at", &r.starts_at)?;
    sched::reschedule(&state, &actor, &id, to).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceRequest {
    /// True on joining the session, false on leaving it.
    pub joined: bool,
}

#[utoipa::path(post, path = "/api/v1/appointments/{id}/presence", tag = "scheduling",
    params(("id" = String, Path, description = "The appointment's id")), request_body = PresenceRequest,
    responses(
        (status = 204, description = "Recorded"),
        (status = 403, description = "Outside the session's joining time", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn presence(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<PresenceRequest>,
) -> AppResult<StatusCode> {
    sched::presence(&state, &actor, &id, p.joined, Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReliabilityReport {
    pub last_90_days: Reliability,
    pub on_time_percent: Option<u32>,
    /// Whether the public profile shows these (at least 10 sessions).
    pub public: bool,
    /// The same measure at the end of each of the last 12 weeks, oldest first.
    pub trend: Vec<ReliabilityPoint>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReliabilityPoint {
    pub at: String,
    pub sessions: u32,
    pub on_time_percent: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/me/reliability", tag = "scheduling",
    responses(
        (status = 200, description = "The therapist's own reliability over the last 90 days, from recorded events", body = ReliabilityReport),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a therapist", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reliability(
    State(state): State<AppState>,
    actor: Actor,
) -> AppResult<Json<ReliabilityReport>> {
    let (now, trend) = sched::reliability(&state, &actor.user.id, Utc::now(), 12).await?;
    Ok(Json(ReliabilityReport {
        last_90_days: now,
        on_time_percent: now.on_time_percent(),
        public: now.is_public(),
        trend: trend
            .into_iter()
            .map(|(at, r)| ReliabilityPoint {
                at: rfc3339(at),
                sessions: r.sessions,
                on_time_percent: r.on_time_percent(),
            })
            .collect(),
    }))
}
