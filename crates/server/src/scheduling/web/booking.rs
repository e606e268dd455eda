//! Booking from a profile, and moving a session: the slots on offer in the client's zone.

use super::forms::*;
use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::forms::WebForm;
use crate::platform::layout::{render, PageCtx};
use crate::platform::state::AppState;
use crate::scheduling::service::{self as sched, Schedule};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rapport_core::schedule::zone;
use rapport_core::{Invalid, UserId};
use rapport_store::schedule::Appointment;

pub struct SlotChoice {
    pub value: String,
    pub id: String,
    pub time: String,
    pub checked: bool,
}

pub struct SlotDay {
    pub heading: String,
    pub slots: Vec<SlotChoice>,
}

pub struct TypeChoice {
    pub id: String,
    pub text: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "scheduling/book.html")]
pub struct BookPage {
    pub ctx: PageCtx,
    pub therapist_id: String,
    pub therapist_name: String,
    pub client_zone: String,
    pub therapist_zone: String,
    pub types: Vec<TypeChoice>,
    pub session_type: String,
    pub days: Vec<SlotDay>,
    pub policy: String,
    pub error: Option<String>,
    pub blocked: Option<String>,
    pub later: String,
    pub earlier: Option<String>,
    pub max_weeks: u32,
    /// For moving: the appointment being moved (its form posts there).
    pub moving: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct BookQ {
    #[serde(rename = "type")]
    pub session_type: Option<String>,
    pub from: Option<String>,
}

/// Groups slots by local day in the viewer's zone.
fn slot_days(slots: &[DateTime<Utc>], tz: Tz, chosen: Option<&str>) -> Vec<SlotDay> {
    let mut days: Vec<SlotDay> = Vec::new();
    for s in slots {
        let heading = zone::day_heading(*s, tz);
        let value = s.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let choice = SlotChoice {
            id: format!("s-{}", s.timestamp()),
            time: format!("{} {}", zone::clock(*s, tz), zone::abbreviation(*s, tz)),
            checked: chosen == Some(value.as_str()),
            value,
        };
        match days.last_mut() {
            Some(d) if d.heading == heading => d.slots.push(choice),
            _ => days.push(SlotDay {
                heading,
                slots: vec![choice],
            }),
        }
    }
    days
}

const DAYS_SHOWN: i64 = 14;

#[allow(clippy::too_many_arguments)]
async fn book_page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    s: &Schedule,
    type_id: Option<&str>,
    from: Option<&str>,
    error: Option<String>,
    moving: Option<&Appointment>,
) -> AppResult<BookPage> {
    let viewer = actor.user.time_zone().tz();
    let now = Utc::now();
    let offered: Vec<_> = s.types.iter().filter(|t| t.active).collect();
    let chosen = match moving {
        Some(a) => s.types.iter().find(|t| t.id == a.session_type_id),
        None => type_id
            .and_then(|id| offered.iter().copied().find(|t| t.id == id))
            .or(offered.first().copied()),
    };
    let start_day = from.and_then(sched::date);
    let from_t = start_day
        .map(|d| zone::start_of_day(viewer, d))
        .filter(|t| *t > now)
        .unwrap_or(now);
    let until = from_t + Duration::days(DAYS_SHOWN);
    let slots = match chosen {
        Some(t) => {
            sched::offered(
                state,
                s,
                t,
                from_t,
                until,
                now,
                moving.map(|a| a.id.as_str()),
            )
            .await?
        }
        None => Vec::new(),
    };
    let blocked = if moving.is_some() {
        None
    } else {
        let licensed = sched::check_licensed(state, &s.therapist.id, &actor.user.id).await;
        let consented = crate::privacy::consent::require(
            state,
            &actor.user.id,
            crate::privacy::consent::Service::Booking,
        )
        .await;
        match (licensed, consented) {
            (Err(e), _) | (_, Err(e)) => Some(e.public_message()),
            _ => None,
        }
    };
    let type_param = chosen.map(|t| t.id.clone()).unwrap_or_default();
    let base = match moving {
        Some(a) => format!("/appointments/{}/reschedule?", a.id),
        None => format!(
            "/therapists/{}/book?type={type_param}&",
            s.therapist.id.as_str()
        ),
    };
    let later_day = until.with_timezone(&viewer).date_naive();
    Ok(BookPage {
        ctx,
        therapist_id: s.therapist.id.as_str().to_string(),
        therapist_name: state
            .store
            .clinician_name(&s.therapist.id)
            .await?
            .unwrap_or_else(|| s.therapist.display_name.clone()),
        client_zone: viewer.name().to_string(),
        therapist_zone: s.zone().name().to_string(),
        types: offered
            .iter()
            .map(|t| TypeChoice {
                id: t.id.clone(),
                text: format!("{} ({} minutes)", t.name, t.minutes),
                current: Some(&t.id) == chosen.map(|c| &c.id),
            })
            .collect(),
        session_type: type_param,
        days: slot_days(&slots, viewer, None),
        policy: match moving {
            Some(a) => sched::policy_of(a).text(),
            None => s.policy().text(),
        },
        error,
        blocked,
        later: format!("{base}from={later_day}"),
        earlier: (from_t > now).then(|| {
            let d = (from_t - Duration::days(DAYS_SHOWN))
                .with_timezone(&viewer)
                .date_naive();
            format!("{base}from={d}")
        }),
        max_weeks: sched::MAX_WEEKS,
        moving: moving.map(|a| a.id.clone()),
    })
}

pub async fn book_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<BookQ>,
) -> AppResult<Response> {
    let therapist = UserId(id);
    crate::directory::service::listed_licenses(&state, &therapist).await?;
    let s = sched::load(&state, &therapist).await?;
    let page = book_page(
        &state,
        ctx,
        &actor,
        &s,
        q.session_type.as_deref(),
        q.from.as_deref(),
        None,
        None,
    )
    .await?;
    Ok(render(&page)?.into_response())
}

pub async fn book(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Path(id): Path<String>,
    WebForm(f): WebForm<Fields>,
) -> AppResult<Response> {
    let therapist = UserId(id);
    let session_type = f.get("session_type").cloned().unwrap_or_default();
    let outcome = async {
        let start = f
            .get("start")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Invalid::new("start", "Choose a time."))?;
        let start = sched::parse_instant("start", start)?;
        let weeks = f
            .get("weeks")
            .and_then(|w| w.parse::<u32>().ok())
            .unwrap_or(1);
        sched::book(&state, &actor, &therapist, &session_type, start, weeks).await
    }
    .await;
    match outcome {
        Ok(ids) => {
            Ok(Redirect::to(&format!("/appointments/{}?notice=booked", ids[0])).into_response())
        }
        Err(e @ (AppError::Conflict(_) | AppError::Invalid(_) | AppError::Refused(_))) => {
            let status = e.status();
            let s = sched::load(&state, &therapist).await?;
            let page = book_page(
                &state,
                ctx,
                &actor,
                &s,
                Some(&session_type),
                None,
                Some(e.public_message()),
                None,
            )
            .await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn reschedule_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<BookQ>,
) -> AppResult<Response> {
    let (a, _) = sched::appointment_for(&state, &actor, &id).await?;
    let s = sched::load(&state, &UserId(a.therapist_id.clone())).await?;
    let page = book_page(
        &state,
        ctx,
        &actor,
        &s,
        None,
        q.from.as_deref(),
        None,
        Some(&a),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

pub async fn reschedule(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Path(id): Path<String>,
    WebForm(f): WebForm<Fields>,
) -> AppResult<Response> {
    let outcome = async {
        let start = f
            .get("start")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Invalid::new("start", "Choose a new time."))?;
        let start = sched::parse_instant("start", start)?;
        sched::reschedule(&state, &actor, &id, start).await
    }
    .await;
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/appointments/{id}?notice=moved")).into_response()),
        Err(e @ (AppError::Conflict(_) | AppError::Invalid(_) | AppError::Refused(_))) => {
            let status = e.status();
            let (a, _) = sched::appointment_for(&state, &actor, &id).await?;
            let s = sched::load(&state, &UserId(a.therapist_id.clone())).await?;
            let page = book_page(
                &state,
                ctx,
                &actor,
                &s,
                None,
                None,
                Some(e.public_message()),
                Some(&a),
            )
            .await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}
