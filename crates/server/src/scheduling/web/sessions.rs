//! A person's sessions and their private calendar feed.

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
use rapport_core::schedule::zone;
use rapport_core::time::{from_millis, to_millis};
use rapport_core::Role;
use rapport_store::schedule::Appointment;

pub struct SessionRow {
    pub id: String,
    pub when: String,
    pub who: String,
    pub what: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "scheduling/sessions.html")]
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
    Query(q): Query<crate::platform::forms::NoticeQuery>,
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
    let secret = crate::platform::auth::secrets::random_token();
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
