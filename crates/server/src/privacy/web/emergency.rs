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
        .map(|(id, sentence)| GrantRow { id, sentence })
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
        Ok(_) => Ok(Redirect::to("/admin/emergency?notice=granted").into_response()),
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
