//! The therapist's week at a glance, in their own zone.

use super::forms::*;
use crate::platform::auth::Actor;
use crate::platform::error::AppResult;
use crate::platform::layout::{render, PageCtx};
use crate::platform::state::AppState;
use crate::scheduling::service::{self as sched};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Duration, Utc};
use rapport_core::schedule::zone;
use rapport_core::time::{from_millis, to_millis};

pub struct Entry {
    pub id: String,
    pub time: String,
    pub who: String,
    pub what: String,
    pub status: String,
}

pub struct DayColumn {
    pub heading: String,
    pub hours: String,
    pub entries: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "scheduling/calendar_week.html")]
pub struct WeekPage {
    pub ctx: PageCtx,
    pub title: String,
    pub zone: String,
    pub days: Vec<DayColumn>,
    pub prev: String,
    pub next: String,
}

#[derive(serde::Deserialize, Default)]
pub struct WeekQ {
    pub week: Option<String>,
}

pub async fn week(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Query(q): Query<WeekQ>,
) -> AppResult<Response> {
    let s = sched::load(&state, &actor.user.id).await?;
    let tz = s.zone();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let any_day = q.week.as_deref().and_then(sched::date).unwrap_or(today);
    let monday = any_day - Duration::days(i64::from(any_day.weekday().num_days_from_monday()));
    let start = zone::start_of_day(tz, monday);
    let end = zone::start_of_day(tz, monday + Duration::days(7));
    let list = state
        .store
        .appointments_of(&actor.user.id, to_millis(start), to_millis(end))
        .await?;
    let days = (0..7)
        .map(|i| {
            let date = monday + Duration::days(i);
            let windows = s.availability.windows_on(date);
            let hours = if windows.is_empty() {
                "Not working".to_string()
            } else {
                windows
                    .iter()
                    .map(|(a, b)| format!("{}–{}", hhmm((*a).into()), hhmm((*b).into())))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let entries = list
                .iter()
                .filter(|a| from_millis(a.starts_at).with_timezone(&tz).date_naive() == date)
                .map(|a| Entry {
                    id: a.id.clone(),
                    time: format!(
                        "{}–{}",
                        zone::clock(from_millis(a.starts_at), tz),
                        zone::clock(from_millis(a.ends_at), tz)
                    ),
                    who: a.client_name.clone(),
                    what: a.session_name.clone(),
                    status: status_text(a),
                })
                .collect();
            DayColumn {
                heading: date.format("%A %-d %B").to_string(),
                hours,
                entries,
            }
        })
        .collect();
    let page = WeekPage {
        ctx,
        title: format!("Week of {}", monday.format("%-d %B %Y")),
        zone: tz.name().to_string(),
        days,
        prev: format!("/therapist/calendar?week={}", monday - Duration::days(7)),
        next: format!("/therapist/calendar?week={}", monday + Duration::days(7)),
    };
    Ok(render(&page)?.into_response())
}
