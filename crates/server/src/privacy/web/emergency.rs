//! The admin's emergency-access page: the grants open now (each can be ended), and the
//! form that opens one for a single client, with a written reason the client will read.

use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::forms::{NoticeQuery, WebForm};
use crate::platform::layout::{render, FormErrors, PageCtx};
use crate::platform::meta::RequestMeta;
use crate::platform::state::AppState;
use crate::privacy::emergency;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub struct GrantRow {
    pub id: String,
    pub sentence: String,
    /// This administrator's own grant (only its holder may read under it).
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "privacy/emergency_admin.html")]
pub struct EmergencyAdminPage {
    pub ctx: PageCtx,
    pub notice: Option<&'static str>,
    pub errors: FormErrors,
    pub grants: Vec<GrantRow>,
}

async fn page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> AppResult<EmergencyAdminPage> {
    let grants = emergency::live_grant_sentences(state, &actor.user.time_zone())
        .await?
        .into_iter()
        .map(|(id, admin, sentence)| GrantRow {
            mine: admin == actor.user.id.as_str(),
            id,
            sentence,
        })
        .collect();
    Ok(EmergencyAdminPage {
        ctx,
        notice,
        errors,
        grants,
    })
}

pub async fn show(
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
    let page = page(&state, ctx, &actor, notice, FormErrors::default()).await?;
    Ok(render(&page)?.into_response())
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

pub async fn grant(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    WebForm(f): WebForm<EmergencyForm>,
) -> AppResult<Response> {
    let minutes = f.minutes.trim().parse::<i64>().unwrap_or(0);
    match emergency::grant(&state, &actor, &f.client_email, &f.reason, minutes, &meta).await {
        Ok(g) => Ok(Redirect::to(&format!("/admin/emergency/{}", g.id)).into_response()),
        Err(e @ AppError::Fields(_)) => {
            let status = e.status();
            let page = page(&state, ctx, &actor, None, FormErrors::from_error(&e)).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// Ends a grant now. Ending one that already ended is not an error: the outcome is the same.
pub async fn end(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Response> {
    emergency::end(&state, &actor, &id, &meta).await?;
    Ok(Redirect::to("/admin/emergency?notice=ended").into_response())
}

/// One relationship's records, as the read-only emergency view shows them.
pub struct RecordsView {
    pub therapist: String,
    pub status: &'static str,
    /// (when, topic, message)
    pub requests: Vec<(String, &'static str, String)>,
    /// (when, what happened, note)
    pub notes: Vec<(String, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "privacy/emergency_records.html")]
pub struct EmergencyRecordsPage {
    pub ctx: PageCtx,
    pub grant_id: String,
    pub client: String,
    pub reason: String,
    pub until: String,
    pub records: Vec<RecordsView>,
}

/// The records open under the administrator's live grant, read-only. Every record shown
/// was opened under the grant and is in the client's access log as emergency access.
pub async fn records(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let g = emergency::live_grant_of(&state, &actor, &id).await?;
    let client_id = rapport_core::UserId(g.client_id.clone());
    let client = state
        .store
        .user(&client_id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let tz = actor.user.time_zone();
    let when = |ms: i64| rapport_core::time::human(ms, &tz);
    let records =
        crate::care::service::records_under_grant(&state, &actor, &g.id, &client_id, &meta)
            .await?
            .into_iter()
            .map(|d| RecordsView {
                therapist: d.listing.therapist_name.clone(),
                status: rapport_core::care::CareStatus::parse(&d.listing.status)
                    .map(|s| s.label())
                    .unwrap_or("unknown"),
                requests: d
                    .requests
                    .iter()
                    .map(|r| (when(r.at), r.topic.label(), r.message.clone()))
                    .collect(),
                notes: d
                    .history
                    .iter()
                    .filter_map(|h| h.note.clone().map(|n| (when(h.at), h.kind.as_str(), n)))
                    .collect(),
            })
            .collect();
    let page = EmergencyRecordsPage {
        ctx,
        until: when(g.expires_at),
        grant_id: g.id,
        client,
        reason: g.reason,
        records,
    };
    Ok(render(&page)?.into_response())
}
