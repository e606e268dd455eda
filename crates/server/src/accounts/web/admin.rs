//! The admin console: accounts and recent security events (no clinical content).

use crate::platform::auth::Actor;
use crate::platform::error::AppResult;
use crate::platform::layout::{render, PageCtx};
use crate::platform::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use rapport_core::time::human;

pub struct AdminUserRow {
    pub name: String,
    pub role: &'static str,
    pub verified: &'static str,
    pub mfa: &'static str,
    pub joined: String,
}

pub struct AdminEventRow {
    pub at: String,
    pub kind: String,
    pub user: String,
    pub ip: String,
    pub request_id: String,
}

#[derive(Template)]
#[template(path = "accounts/admin.html")]
pub struct AdminPage {
    pub ctx: PageCtx,
    /// How many emergency accesses are open now.
    pub live_grants: usize,
    pub user_count: i64,
    pub users: Vec<AdminUserRow>,
    pub events: Vec<AdminEventRow>,
}

pub async fn console(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
) -> AppResult<Response> {
    let page = console_page(&state, ctx, &actor).await?;
    Ok(render(&page)?.into_response())
}

async fn console_page(state: &AppState, ctx: PageCtx, actor: &Actor) -> AppResult<AdminPage> {
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
    let live_grants = state.store.live_emergency_grants().await?.len();
    Ok(AdminPage {
        ctx,
        live_grants,
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
