//! The admin console: accounts and recent security events (no clinical content).

use super::layout::PageCtx;
use super::pages::*;
use crate::auth::Actor;
use crate::error::AppResult;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use rapport_core::time::human;

pub async fn console(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
) -> AppResult<Response> {
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
    let page = AdminPage {
        ctx,
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
    };
    Ok(render(&page)?.into_response())
}
