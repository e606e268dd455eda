//! One appointment's page: join, leave, move, cancel, download.

use super::forms::*;
use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::layout::{render, PageCtx};
use crate::platform::state::AppState;
use crate::scheduling::service::{self as sched};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use chrono_tz::Tz;
use rapport_core::schedule::policy::{Party, Status};
use rapport_core::schedule::zone;
use rapport_core::time::from_millis;

#[derive(Template)]
#[template(path = "scheduling/appointment.html")]
pub struct AppointmentPage {
    pub ctx: PageCtx,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub id: String,
    pub other: String,
    pub other_role: &'static str,
    pub what: String,
    pub when: String,
    pub other_when: Option<String>,
    pub status: String,
    pub series: bool,
    pub booked: bool,
    pub can_join: bool,
    pub present: bool,
    pub can_move: bool,
    pub late_warning: bool,
    pub policy: String,
    pub history: Vec<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct AppointmentQ {
    pub notice: Option<String>,
}

async fn appointment_page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    id: &str,
    notice: Option<String>,
    error: Option<String>,
) -> AppResult<AppointmentPage> {
    let (a, party) = sched::appointment_for(state, actor, id).await?;
    let tz = actor.user.time_zone().tz();
    let (other, other_role, other_zone) = match party {
        Party::Client => (
            a.therapist_name.clone(),
            "therapist",
            a.therapist_zone.clone(),
        ),
        Party::Therapist => (a.client_name.clone(), "client", a.client_zone.clone()),
    };
    let start = from_millis(a.starts_at);
    let other_tz: Tz = other_zone.parse().unwrap_or(chrono_tz::UTC);
    let now = Utc::now();
    let booked = a.status == Status::Booked.as_str();
    let events = state.store.appointment_events(id).await?;
    let mine = party.as_str();
    let last_presence = events
        .iter()
        .rfind(|e| e.party == mine && (e.kind == "joined" || e.kind == "left"))
        .map(|e| e.kind == "joined");
    let policy = sched::policy_of(&a);
    let history = events
        .iter()
        .map(|e| {
            let when = zone::label(from_millis(e.at), tz);
            let who = match e.party.as_str() {
                "system" => "Rapport".to_string(),
                p if p == mine => "You".to_string(),
                p => format!("The {p}"),
            };
            let what = match e.kind.as_str() {
                "booked" => format!(
                    "booked it for {}",
                    zone::label(from_millis(e.starts_at), tz)
                ),
                "rescheduled" => format!(
                    "moved it from {} to {}",
                    e.previous_starts_at
                        .map(|p| zone::label(from_millis(p), tz))
                        .unwrap_or_default(),
                    zone::label(from_millis(e.starts_at), tz)
                ),
                "cancelled" if e.late.0 => "cancelled it (late)".to_string(),
                "cancelled" => "cancelled it".to_string(),
                "joined" => "joined".to_string(),
                "left" => "left".to_string(),
                "completed" => "recorded it as completed".to_string(),
                "no_show" => format!("recorded that the {} did not join", e.party),
                other => other.to_string(),
            };
            let who = if e.kind == "completed" || e.kind == "no_show" {
                "Rapport".to_string()
            } else {
                who
            };
            format!("{when}: {who} {what}")
        })
        .collect();
    Ok(AppointmentPage {
        ctx,
        notice,
        error,
        id: a.id.clone(),
        other,
        other_role,
        what: format!(
            "{} ({} minutes)",
            a.session_name,
            (a.ends_at - a.starts_at) / 60_000
        ),
        when: zone::label(start, tz),
        other_when: (other_tz != tz).then(|| zone::label(start, other_tz)),
        status: status_text(&a),
        series: a.series_id.is_some(),
        booked,
        can_join: booked
            && now >= start - Duration::minutes(sched::JOIN_EARLY_MINUTES)
            && now <= from_millis(a.ends_at),
        present: last_presence == Some(true),
        can_move: booked && policy.may_reschedule(now, start),
        late_warning: booked && policy.is_late(now, start),
        policy: policy.text(),
        history,
    })
}

fn appointment_notice(code: Option<&str>) -> Option<String> {
    Some(
        match code? {
            "booked" => "Booked. You will get a confirmation and reminders by e-mail.",
            "moved" => "Moved. The other side has been told by e-mail.",
            "cancelled" => "Cancelled. The other side has been told by e-mail.",
            "cancelled-late" => {
                "Cancelled. It was after the free-cancellation deadline, so it is recorded as late."
            }
            "joined" => "You are in the session.",
            "left" => "You left the session.",
            _ => return None,
        }
        .to_string(),
    )
}

pub async fn appointment(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<AppointmentQ>,
) -> AppResult<Response> {
    let notice = appointment_notice(q.notice.as_deref());
    Ok(render(&appointment_page(&state, ctx, &actor, &id, notice, None).await?)?.into_response())
}

async fn appointment_action(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    id: &str,
    outcome: AppResult<&'static str>,
) -> AppResult<Response> {
    match outcome {
        Ok(code) => Ok(Redirect::to(&format!("/appointments/{id}?notice={code}")).into_response()),
        Err(e @ (AppError::Refused(_) | AppError::Conflict(_))) => {
            let status = e.status();
            let page =
                appointment_page(state, ctx, actor, id, None, Some(e.public_message())).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn cancel(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let outcome = sched::cancel(&state, &actor, &id).await.map(|late| {
        if late {
            "cancelled-late"
        } else {
            "cancelled"
        }
    });
    appointment_action(&state, ctx, &actor, &id, outcome).await
}

pub async fn join(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let outcome = sched::presence(&state, &actor, &id, true, Utc::now())
        .await
        .map(|_| "joined");
    appointment_action(&state, ctx, &actor, &id, outcome).await
}

pub async fn leave(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let outcome = sched::presence(&state, &actor, &id, false, Utc::now())
        .await
        .map(|_| "left");
    appointment_action(&state, ctx, &actor, &id, outcome).await
}

pub async fn download(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (a, _) = sched::appointment_for(&state, &actor, &id).await?;
    let tz = actor.user.time_zone().tz();
    let body = rapport_core::schedule::ics::calendar(
        "Rapport session",
        tz,
        &[sched::event(&state, &a)],
        Utc::now(),
    );
    Ok(ics_response(body, "therapy-session.ics"))
}
