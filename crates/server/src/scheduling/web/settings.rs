//! The therapist's availability settings: weekly hours, date overrides, time off,
//! session types, notice, horizon and the cancellation policy.

use super::forms::*;
use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::forms::WebForm;
use crate::platform::layout::{render, FormErrors, PageCtx};
use crate::platform::state::AppState;
use crate::scheduling::service::{self as sched};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use rapport_core::schedule::slots::{check_session_type, check_window};
use rapport_core::schedule::zone;
use rapport_core::time::{from_millis, to_millis};
use rapport_core::Invalid;
use rapport_store::schedule::Settings;

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
#[template(path = "scheduling/schedule_settings.html")]
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

pub async fn settings(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Query(q): Query<crate::platform::forms::NoticeQuery>,
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
