//! The therapist's reliability page: figures now and a 12-week trend drawn as SVG.

use crate::platform::auth::Actor;
use crate::platform::error::AppResult;
use crate::platform::layout::{render, PageCtx};
use crate::platform::state::AppState;
use crate::scheduling::service::{self as sched};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub height: u32,
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "scheduling/reliability.html")]
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
