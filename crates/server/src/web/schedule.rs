//! Scheduling pages: a therapist's availability settings, week calendar and
//! reliability; booking from a profile; a person's sessions and calendar feed; and each
//! appointment's page (join, leave, move, cancel, download).

use super::layout::{FormErrors, PageCtx};
use super::pages::render;
use super::WebForm;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::scheduling::{self as sched, Schedule};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Datelike, Duration, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use rapport_core::schedule::policy::{Party, Status};
use rapport_core::schedule::slots::{check_session_type, check_window};
use rapport_core::schedule::zone;
use rapport_core::time::{from_millis, to_millis};
use rapport_core::{Invalid, Role, UserId};
use rapport_store::schedule::{Appointment, Settings};
use std::collections::HashMap;

const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "Monday"),
    (Weekday::Tue, "Tuesday"),
    (Weekday::Wed, "Wednesday"),
    (Weekday::Thu, "Thursday"),
    (Weekday::Fri, "Friday"),
    (Weekday::Sat, "Saturday"),
    (Weekday::Sun, "Sunday"),
];

fn hhmm(minutes: i64) -> String {
    format!("{:02}:{:02}", (minutes / 60) % 24, minutes % 60)
}

/// Reads "HH:MM" as minutes after midnight; as an end, "00:00" means midnight at the
/// end of the day (24:00), which a time input cannot show.
fn minutes(field: &'static str, raw: &str, is_end: bool) -> Result<Option<i64>, Invalid> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let t = NaiveTime::parse_from_str(raw, "%H:%M")
        .map_err(|_| Invalid::new(field, "Write times as HH:MM, for example 09:00."))?;
    let m = i64::from(t.hour() * 60 + t.minute());
    Ok(Some(if is_end && m == 0 { 1440 } else { m }))
}

fn number(
    field: &'static str,
    raw: Option<&String>,
    lo: i64,
    hi: i64,
    what: &str,
) -> Result<i64, Invalid> {
    raw.and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|n| (lo..=hi).contains(n))
        .ok_or_else(|| {
            Invalid::new(
                field,
                format!("{what} must be a whole number from {lo} to {hi}."),
            )
        })
}

// ---------------------------------------------------------------------------------
// The therapist's availability settings

pub struct DayRow {
    pub index: usize,
    pub name: &'static str,
    pub blocks: [(String, String); 2],
}

pub struct OverrideRow {
    pub id: String,
    pub text: String,
}

pub struct TypeRow {
    pub id: String,
    pub text: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "schedule_settings.html")]
pub struct SettingsPage {
    pub ctx: PageCtx,
    pub notice: Option<&'static str>,
    pub errors: FormErrors,
    pub zone: String,
    pub settings: Settings,
    pub notice_hours: i64,
    pub days: Vec<DayRow>,
    pub overrides: Vec<OverrideRow>,
    pub time_off: Vec<OverrideRow>,
    pub types: Vec<TypeRow>,
    pub policy: String,
}

async fn settings_page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> AppResult<SettingsPage> {
    let s = sched::load(state, &actor.user.id).await?;
    let hours = state.store.weekly_hours(&actor.user.id).await?;
    let days = WEEKDAYS
        .iter()
        .enumerate()
        .map(|(i, (_, name))| {
            let mut blocks: [(String, String); 2] = Default::default();
            for (slot, h) in hours
                .iter()
                .filter(|h| h.weekday == i as i64)
                .take(2)
                .enumerate()
            {
                blocks[slot] = (hhmm(h.start_minute), hhmm(h.end_minute));
            }
            DayRow {
                index: i,
                name,
                blocks,
            }
        })
        .collect();
    let overrides = state
        .store
        .day_overrides(&actor.user.id)
        .await?
        .into_iter()
        .map(|o| OverrideRow {
            text: match (o.start_minute, o.end_minute) {
                (Some(a), Some(b)) => format!("{}: only {}–{}", o.day, hhmm(a), hhmm(b)),
                _ => format!("{}: day off", o.day),
            },
            id: o.id,
        })
        .collect();
    let tz = s.zone();
    let time_off = state
        .store
        .time_off(&actor.user.id)
        .await?
        .into_iter()
        .map(|t| OverrideRow {
            text: format!(
                "From {} to {}",
                zone::label(from_millis(t.starts_at), tz),
                zone::label(from_millis(t.ends_at), tz)
            ),
            id: t.id,
        })
        .collect();
    let types = s
        .types
        .iter()
        .map(|t| TypeRow {
            id: t.id.clone(),
            text: format!(
                "{}: {} minutes, {} minutes free before and {} after",
                t.name, t.minutes, t.buffer_before, t.buffer_after
            ),
            active: t.active,
        })
        .collect();
    Ok(SettingsPage {
        ctx,
        notice,
        errors,
        zone: tz.name().to_string(),
        notice_hours: s.settings.min_notice_minutes / 60,
        policy: s.policy().text(),
        settings: s.settings,
        days,
        overrides,
        time_off,
        types,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct NoticeQ {
    pub notice: Option<String>,
}

pub async fn settings(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Query(q): Query<NoticeQ>,
) -> AppResult<Response> {
    let notice = q.notice.as_deref().map(|_| "Saved.");
    Ok(
        render(&settings_page(&state, ctx, &actor, notice, FormErrors::default()).await?)?
            .into_response(),
    )
}

/// Runs a settings change; a problem re-renders the page with it beside the form.
async fn settings_change(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    change: AppResult<()>,
) -> AppResult<Response> {
    match change {
        Ok(()) => Ok(Redirect::to("/therapist/schedule?notice=saved").into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Fields(_))) => {
            let status = e.status();
            Ok((
                status,
                render(&settings_page(state, ctx, actor, None, FormErrors::from_error(&e)).await?)?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

type Fields = HashMap<String, String>;

pub async fn save_settings(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    WebForm(f): WebForm<Fields>,
) -> AppResult<Response> {
    let change = async {
        let mut problems = Vec::new();
        let mut get = |field: &'static str, lo, hi, what: &str| match number(
            field,
            f.get(field),
            lo,
            hi,
            what,
        ) {
            Ok(n) => n,
            Err(e) => {
                problems.push(e);
                0
            }
        };
        let notice = get("min_notice_hours", 0, 24 * 30, "Minimum notice (hours)");
        let horizon = get("horizon_days", 1, 365, "Booking window (days)");
        let step = get("step_minutes", 5, 240, "Start times every (minutes)");
        let free = get("free_cancel_hours", 0, 24 * 14, "Free cancellation (hours)");
        if !problems.is_empty() {
            return Err(AppError::Fields(problems));
        }
        state
            .store
            .save_schedule_settings(&Settings {
                therapist_id: actor.user.id.as_str().to_string(),
                min_notice_minutes: notice * 60,
                horizon_days: horizon,
                step_minutes: step,
                free_cancel_hours: free,
            })
            .await?;
        Ok(())
    }
    .await;
    settings_change(&state, ctx, &actor, change).await
}

pub async fn save_hours(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    WebForm(f): WebForm<Fields>,
) -> AppResult<Response> {
    let change = async {
        let mut rows = Vec::new();
        for (i, (_, name)) in WEEKDAYS.iter().enumerate() {
            let mut blocks: Vec<(i64, i64)> = Vec::new();
            for b in 1..=2 {
                let get = |k: &str| f.get(&format!("d{i}_{k}{b}")).cloned().unwrap_or_default();
                let start = minutes("hours", &get("start"), false)?;
                let end = minutes("hours", &get("end"), true)?;
                match (start, end) {
                    (None, None) => {}
                    (Some(s), Some(e)) => {
                        check_window(s as u16, e as u16)
                            .map_err(|e| Invalid::new("hours", format!("{name}: {}", e.message)))?;
                        if blocks.iter().any(|(a, z)| s < *z && *a < e) {
                            return Err(Invalid::new(
                                "hours",
                                format!("{name}: the two blocks overlap."),
                            )
                            .into());
                        }
                        blocks.push((s, e));
                    }
                    _ => {
                        return Err(Invalid::new(
                            "hours",
                            format!("{name}: give both a start and an end, or neither."),
                        )
                        .into())
                    }
                }
            }
            rows.extend(blocks.into_iter().map(|(s, e)| (i as i64, s, e)));
        }
        state
            .store
            .replace_weekly_hours(&actor.user.id, &rows)
            .await?;
        Ok(())
    }
    .await;
    settings_change(&state, ctx, &actor, change).await
}

pub async fn add_override(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    WebForm(f): WebForm<Fields>,
) -> AppResult<Response> {
    let change = async {
        let day = f
            .get("day")
            .and_then(|d| sched::date(d))
            .ok_or_else(|| Invalid::new("day", "Choose a date."))?;
        let off = f.get("day_off").is_some_and(|v| !v.is_empty());
        let window = if off {
            None
        } else {
            let s = minutes(
                "override_start",
                f.get("override_start").map_or("", |v| v),
                false,
            )?;
            let e = minutes(
                "override_end",
                f.get("override_end").map_or("", |v| v),
                true,
            )?;
            match (s, e) {
                (Some(s), Some(e)) => {
                    check_window(s as u16, e as u16)
                        .map_err(|e| Invalid::new("override_start", e.message))?;
                    Some((s, e))
                }
                _ => {
                    return Err(Invalid::new(
                        "override_start",
                        "Give the hours for that date, or tick “Day off”.",
                    )
                    .into())
                }
            }
        };
        state
            .store
            .add_day_override(&actor.user.id, &day.format("%Y-%m-%d").to_string(), window)
            .await?;
        Ok(())
    }
    .await;
    settings_change(&state, ctx, &actor, change).await
}

pub async fn remove_override(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Response> {
    // Only the therapist's own rows match; removing what is not there changes nothing.
    state.store.remove_day_override(&actor.user.id, &id).await?;
    Ok(Redirect::to("/therapist/schedule?notice=saved").into_response())
}

pub async fn add_time_off(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    WebForm(f): WebForm<Fields>,
) -> AppResult<Response> {
    let tz = actor.user.time_zone().tz();
    let change = async {
        let from = f
            .get("off_from")
            .and_then(|d| sched::date(d))
            .ok_or_else(|| Invalid::new("off_from", "Choose the first day off."))?;
        let to = f
            .get("off_to")
            .and_then(|d| sched::date(d))
            .ok_or_else(|| Invalid::new("off_to", "Choose the last day off."))?;
        if to < from || (to - from).num_days() > 366 {
            return Err(Invalid::new(
                "off_to",
                "The last day off is on or after the first, within a year.",
            )
            .into());
        }
        // Whole local days: from the first day's midnight to the midnight after the last.
        let start = zone::start_of_day(tz, from);
        let end = zone::start_of_day(tz, to + Duration::days(1));
        state
            .store
            .add_time_off(&actor.user.id, to_millis(start), to_millis(end))
            .await?;
        Ok(())
    }
    .await;
    settings_change(&state, ctx, &actor, change).await
}

pub async fn remove_time_off(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Response> {
    state.store.remove_time_off(&actor.user.id, &id).await?;
    Ok(Redirect::to("/therapist/schedule?notice=saved").into_response())
}

pub async fn add_type(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    WebForm(f): WebForm<Fields>,
) -> AppResult<Response> {
    let change = async {
        let name = f
            .get("type_name")
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(Invalid::new(
                "type_name",
                "Name the session type (up to 60 characters), for example “Intake”.",
            )
            .into());
        }
        let mins = number(
            "type_minutes",
            f.get("type_minutes"),
            10,
            240,
            "Length (minutes)",
        )?;
        let before = number(
            "buffer_before",
            f.get("buffer_before"),
            0,
            120,
            "Buffer before (minutes)",
        )?;
        let after = number(
            "buffer_after",
            f.get("buffer_after"),
            0,
            120,
            "Buffer after (minutes)",
        )?;
        check_session_type(&rapport_core::schedule::SessionType {
            minutes: mins as u32,
            buffer_before: before as u32,
            buffer_after: after as u32,
        })?;
        state
            .store
            .add_session_type(&actor.user.id, &name, mins, before, after)
            .await?;
        Ok(())
    }
    .await;
    settings_change(&state, ctx, &actor, change).await
}

pub async fn toggle_type(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> AppResult<Response> {
    // Only the therapist's own types match; anything else changes nothing.
    if let Some(t) = state
        .store
        .session_type(&id)
        .await?
        .filter(|t| t.therapist_id == actor.user.id.as_str())
    {
        state
            .store
            .set_session_type_active(&actor.user.id, &id, !t.active)
            .await?;
    }
    Ok(Redirect::to("/therapist/schedule?notice=saved").into_response())
}

// ---------------------------------------------------------------------------------
// The therapist's week

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
#[template(path = "calendar_week.html")]
pub struct WeekPage {
    pub ctx: PageCtx,
    pub title: String,
    pub zone: String,
    pub days: Vec<DayColumn>,
    pub prev: String,
    pub next: String,
}

pub fn status_text(a: &Appointment) -> String {
    match Status::parse(&a.status) {
        Some(Status::Booked) => "Booked".into(),
        Some(Status::Completed) => "Completed".into(),
        Some(Status::Cancelled) => format!(
            "Cancelled by the {}{}",
            a.cancelled_by.as_deref().unwrap_or("system"),
            if a.cancelled_late { " (late)" } else { "" }
        ),
        Some(Status::NoShow) => match (a.no_show_therapist, a.no_show_client) {
            (true, true) => "Neither side joined".into(),
            (true, false) => "Therapist did not join".into(),
            _ => "Client did not join".into(),
        },
        None => a.status.clone(),
    }
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

// ---------------------------------------------------------------------------------
// The therapist's reliability

pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub height: u32,
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "reliability.html")]
pub struct ReliabilityPage {
    pub ctx: PageCtx,
    pub sessions: u32,
    pub on_time: String,
    pub late_cancellations: u32,
    pub no_shows: u32,
    pub public: bool,
    pub public_lines: Vec<String>,
    pub bars: Vec<Bar>,
    pub rows: Vec<(String, String, u32)>,
}

pub async fn reliability(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
) -> AppResult<Response> {
    let tz = actor.user.time_zone().tz();
    let (r, trend) = sched::reliability(&state, &actor.user.id, Utc::now(), 12).await?;
    // A bar per week: its height is the on-time share (0–100) on a 100-pixel scale.
    let bars = trend
        .iter()
        .enumerate()
        .map(|(i, (at, m))| {
            let pct = m.on_time_percent();
            let h = pct.unwrap_or(0);
            Bar {
                x: 40 + i as u32 * 40,
                y: 10 + (100 - h),
                height: h,
                label: at.with_timezone(&tz).format("%-d %b").to_string(),
                value: pct.map(|p| format!("{p}%")).unwrap_or_else(|| "–".into()),
            }
        })
        .collect();
    let rows = trend
        .iter()
        .map(|(at, m)| {
            (
                at.with_timezone(&tz).format("%-d %b %Y").to_string(),
                m.on_time_percent()
                    .map(|p| format!("{p}%"))
                    .unwrap_or_else(|| "no sessions".into()),
                m.sessions,
            )
        })
        .collect();
    let page = ReliabilityPage {
        ctx,
        sessions: r.sessions,
        on_time: r
            .on_time_percent()
            .map(|p| format!("{p}%"))
            .unwrap_or_else(|| "no sessions yet".into()),
        late_cancellations: r.late_cancellations,
        no_shows: r.no_shows,
        public: r.is_public(),
        public_lines: r.public_lines().unwrap_or_default(),
        bars,
        rows,
    };
    Ok(render(&page)?.into_response())
}

// ---------------------------------------------------------------------------------
// Booking from a profile, and moving a session

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
#[template(path = "book.html")]
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
        let consented =
            crate::consent::require(state, &actor.user.id, crate::consent::Service::Booking).await;
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
        therapist_name: s.therapist.display_name.clone(),
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
    crate::directory::listed_licenses(&state, &therapist).await?;
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
        let start = crate::api::schedule::parse_instant("start", start)?;
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
        let start = crate::api::schedule::parse_instant("start", start)?;
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

// ---------------------------------------------------------------------------------
// One appointment

#[derive(Template)]
#[template(path = "appointment.html")]
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

fn ics_response(body: String, filename: &str) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
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

// ---------------------------------------------------------------------------------
// A person's sessions and calendar feed

pub struct SessionRow {
    pub id: String,
    pub when: String,
    pub who: String,
    pub what: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "sessions.html")]
pub struct SessionsPage {
    pub ctx: PageCtx,
    pub is_client: bool,
    pub upcoming: Vec<SessionRow>,
    pub past: Vec<SessionRow>,
    pub feed_since: Option<String>,
    pub new_feed: Option<String>,
    pub notice: Option<&'static str>,
}

async fn sessions_page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    new_feed: Option<String>,
    notice: Option<&'static str>,
) -> AppResult<SessionsPage> {
    let tz = actor.user.time_zone().tz();
    let now = Utc::now();
    let list = state
        .store
        .appointments_of(
            &actor.user.id,
            to_millis(now - Duration::days(30)),
            to_millis(now + Duration::days(400)),
        )
        .await?;
    let row = |a: &Appointment| SessionRow {
        id: a.id.clone(),
        when: zone::label(from_millis(a.starts_at), tz),
        who: if a.client_id == actor.user.id.as_str() {
            a.therapist_name.clone()
        } else {
            a.client_name.clone()
        },
        what: a.session_name.clone(),
        status: status_text(a),
    };
    let now_ms = to_millis(now);
    let upcoming = list
        .iter()
        .filter(|a| a.ends_at > now_ms && a.status == "booked")
        .map(row)
        .collect();
    let mut past: Vec<SessionRow> = list
        .iter()
        .filter(|a| !(a.ends_at > now_ms && a.status == "booked"))
        .map(row)
        .collect();
    past.reverse();
    Ok(SessionsPage {
        ctx,
        is_client: actor.role() == Role::Client,
        upcoming,
        past,
        feed_since: state
            .store
            .calendar_feed_created(&actor.user.id)
            .await?
            .map(|t| zone::label(from_millis(t), tz)),
        new_feed,
        notice,
    })
}

pub async fn sessions(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Query(q): Query<NoticeQ>,
) -> AppResult<Response> {
    let notice = q
        .notice
        .as_deref()
        .map(|_| "Your calendar link is turned off. Calendars using it will stop updating.");
    Ok(render(&sessions_page(&state, ctx, &actor, None, notice).await?)?.into_response())
}

/// Makes a new secret feed URL (replacing any earlier one) and shows it once.
pub async fn create_feed(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
) -> AppResult<Response> {
    let secret = crate::auth::secrets::random_token();
    state
        .store
        .set_calendar_feed(&actor.user.id, &rapport_store::token_hash(&secret))
        .await?;
    let url = state.config.link(&format!("/calendar/{secret}.ics"));
    Ok(render(&sessions_page(&state, ctx, &actor, Some(url), None).await?)?.into_response())
}

pub async fn revoke_feed(State(state): State<AppState>, actor: Actor) -> AppResult<Response> {
    state.store.revoke_calendar_feed(&actor.user.id).await?;
    Ok(Redirect::to("/sessions?notice=feed-off").into_response())
}

/// The feed itself: the secret in the URL is the only credential (calendar programs
/// cannot log in). Unknown or revoked secrets get 404.
pub async fn feed(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let secret = token.strip_suffix(".ics").unwrap_or(&token);
    let owner = state
        .store
        .calendar_feed_owner(&rapport_store::token_hash(secret))
        .await?
        .ok_or(AppError::NotFound)?;
    let user = state
        .store
        .user(&owner)
        .await?
        .filter(|u| u.erased_at.is_none())
        .ok_or(AppError::NotFound)?;
    let body = sched::calendar_for(&state, &user, Utc::now()).await?;
    Ok(ics_response(body, "rapport.ics"))
}
