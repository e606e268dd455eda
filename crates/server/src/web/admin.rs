//! The admin console: accounts and recent security events (no clinical content).

use super::layout::{FormErrors, PageCtx};
use super::pages::*;
use super::{NoticeQuery, WebForm};
use crate::auth::Actor;
use crate::error::AppError;
use crate::error::AppResult;
use crate::meta::RequestMeta;
use crate::state::AppState;
use axum::extract::State;
use axum::extract::{Path, Query};
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use rapport_core::time::human;
use serde::Deserialize;

pub async fn console(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let notice = match q.notice.as_deref() {
        Some("granted") => {
            Some("Emergency access is open. The client and their therapists have been told.")
        }
        Some("ended") => Some("Emergency access has ended."),
        _ => None,
    };
    let page = console_page(&state, ctx, &actor, notice, FormErrors::default()).await?;
    Ok(render(&page)?.into_response())
}

async fn console_page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> AppResult<AdminPage> {
    let tz = actor.user.time_zone();
    let users = state.store.list_users(100, 0).await?;
    let names: std::collections::HashMap<String, String> = users
        .iter()
        .map(|u| (u.id.0.clone(), u.display_name.clone()))
        .collect();
    let events = state
        .store
        .security_events(None, 50)
        .await?
        .into_iter()
        .map(|e| AdminEventRow {
            at: human(e.at, &tz),
            kind: e.kind.replace('_', " "),
            user: e
                .user_id
                .as_ref()
                .map(|id| names.get(id).cloned().unwrap_or_else(|| id.clone()))
                .unwrap_or_else(|| "—".into()),
            ip: e.ip.unwrap_or_default(),
            request_id: e.request_id.unwrap_or_default(),
        })
        .collect();
    let mut grants = Vec::new();
    for g in state.store.live_emergency_grants().await? {
        let who = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
        grants.push(GrantRow {
            sentence: format!(
                "{} has access to {}'s records until {}. Reason: {}",
                who(&g.admin_id),
                who(&g.client_id),
                human(g.expires_at, &tz),
                g.reason
            ),
            id: g.id,
        });
    }
    Ok(AdminPage {
        ctx,
        notice,
        errors,
        grants,
        user_count: state.store.count_users().await?,
        users: users
            .into_iter()
            .map(|u| AdminUserRow {
                role: u.role.label(),
                verified: if u.email_verified_at.is_some() {
                    "yes"
                } else {
                    "not yet"
                },
                mfa: if u.mfa_enabled() { "on" } else { "off" },
                joined: human(u.created_at, &tz),
                name: u.display_name,
            })
            .collect(),
        events,
    })
}

#[derive(Deserialize)]
pub struct EmergencyForm {
    #[serde(default)]
    client_email: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    minutes: String,
}

pub async fn grant_emergency(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    WebForm(f): WebForm<EmergencyForm>,
) -> AppResult<Response> {
    let minutes = f.minutes.trim().parse::<i64>().unwrap_or(0);
    match crate::emergency::grant(&state, &actor, &f.client_email, &f.reason, minutes, &meta).await
    {
        Ok(_) => Ok(Redirect::to("/admin?notice=granted").into_response()),
        Err(e @ AppError::Fields(_)) => {
            let status = e.status();
            let page = console_page(&state, ctx, &actor, None, FormErrors::from_error(&e)).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// Ends a grant now. Ending one that already ended is not an error: the outcome is the same.
pub async fn end_emergency(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Response> {
    if state.store.end_emergency_grant(&id).await? {
        state
            .store
            .record_security_event(
                Some(&actor.user.id),
                "emergency_access_ended",
                Some(&meta.ip),
                Some(&meta.request_id),
            )
            .await?;
    }
    Ok(Redirect::to("/admin?notice=ended").into_response())
}
