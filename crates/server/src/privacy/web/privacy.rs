//! The privacy centre: who accessed my records, downloads of everything, erasure.

use crate::platform::auth::{clear_session_cookie, Actor};
use crate::platform::error::{AppError, AppResult};
use crate::platform::forms::WebForm;
use crate::platform::layout::{render, FormErrors, PageCtx};
use crate::platform::meta::RequestMeta;
use crate::platform::state::AppState;
use crate::privacy::{access_log, erasure};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use rapport_core::time::human;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "privacy/privacy.html")]
pub struct PrivacyPage {
    pub ctx: PageCtx,
    pub entries: Vec<access_log::AccessEntry>,
    pub emergencies: Vec<access_log::AccessEntry>,
    pub plan: erasure::ErasurePlan,
    pub errors: FormErrors,
    pub grants: Vec<String>,
    /// Whether anyone opened a record under emergency access (not only was granted it).
    pub emergency_reads: bool,
}

async fn privacy_page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    errors: FormErrors,
) -> AppResult<PrivacyPage> {
    let entries = access_log::access_log(state, &actor.user.id, &actor.user.time_zone()).await?;
    let emergencies: Vec<access_log::AccessEntry> =
        entries.iter().filter(|e| e.emergency).cloned().collect();
    let emergency_reads = emergencies.iter().any(|e| e.action == "read");
    let plan = erasure::plan(state, actor).await?;
    let tz = actor.user.time_zone();
    let mut grants = Vec::new();
    for g in crate::privacy::emergency::grants_for_client(state, &actor.user.id).await? {
        let admin = state
            .store
            .user(&rapport_core::UserId(g.admin_id.clone()))
            .await?;
        grants.push(format!(
            "{} (administrator) was given emergency access to your records on {} until {}. Reason: {}",
            admin.map(|a| a.display_name).unwrap_or_else(|| "An administrator".into()),
            human(g.created_at, &tz),
            human(g.ended_at.unwrap_or(g.expires_at).min(g.expires_at), &tz),
            g.reason
        ));
    }
    Ok(PrivacyPage {
        ctx,
        entries,
        emergencies,
        plan,
        errors,
        grants,
        emergency_reads,
    })
}

pub async fn privacy(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
) -> AppResult<Response> {
    Ok(render(&privacy_page(&state, ctx, &actor, FormErrors::default()).await?)?.into_response())
}

#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn erase(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    WebForm(f): WebForm<EraseForm>,
) -> AppResult<Response> {
    match erasure::erase(
        &state,
        &actor,
        &f.current_password,
        f.confirm.is_some(),
        &meta,
    )
    .await
    {
        Ok(_) => Ok((clear_session_cookie(), Redirect::to("/?notice=erased")).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let status = e.status();
            let page = privacy_page(&state, ctx, &actor, FormErrors::from_error(&e)).await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}
