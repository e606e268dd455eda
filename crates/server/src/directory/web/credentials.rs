//! Pages for licenses: a therapist's own list and form, and the admin verification queue.

use crate::directory::credentials::{self, Decision, LicenseInput};
use crate::directory::service as dir;
use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::forms::{NoticeQuery, WebForm};
use crate::platform::layout::render;
use crate::platform::layout::{FormErrors, PageCtx};
use crate::platform::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use rapport_core::directory::{countries, CredentialStatus, LicenseType, VerificationMethod};
use rapport_core::time::human;
use rapport_core::UserId;
use rapport_store::directory::License;

pub struct LicenseView {
    pub id: String,
    pub has_evidence: bool,
    pub title: String,
    pub status: String,
    pub reason: Option<String>,
    pub history: Vec<String>,
}

#[derive(Template)]
#[template(path = "directory/licenses.html")]
pub struct LicensesPage {
    pub ctx: PageCtx,
    pub notice: Option<&'static str>,
    pub licenses: Vec<LicenseView>,
    pub types: Vec<(&'static str, &'static str)>,
    pub countries: Vec<(&'static str, &'static str)>,
    pub errors: FormErrors,
}

fn title(l: &License) -> String {
    let kind = LicenseType::parse(&l.license_type)
        .map(|t| t.label())
        .unwrap_or("License");
    let place = dir::jurisdiction_of(l)
        .map(|j| j.name())
        .unwrap_or_else(|| l.country.clone());
    format!(
        "{kind}, {place} #{} (valid {} to {})",
        l.number, l.issued_on, l.expires_on
    )
}

async fn view(
    state: &AppState,
    l: &License,
    tz: &rapport_core::TimeZoneName,
) -> AppResult<LicenseView> {
    let today = dir::today();
    let status = match CredentialStatus::parse(&l.status).unwrap_or(CredentialStatus::Pending) {
        CredentialStatus::Verified if !dir::counts(l, today) => {
            "Verified, but expired: it no longer counts".to_string()
        }
        CredentialStatus::Verified => {
            let how = l
                .method
                .as_deref()
                .and_then(|m| VerificationMethod::parse(m).ok())
                .map(|m| m.label())
                .unwrap_or("");
            format!("Verified by {how}")
        }
        CredentialStatus::Rejected => "Rejected".to_string(),
        CredentialStatus::Pending => "Waiting for verification".to_string(),
    };
    let history = state
        .store
        .license_history(&l.id)
        .await?
        .into_iter()
        .map(|h| {
            format!(
                "{}: {}{}",
                human(h.at, tz),
                h.status,
                h.note.map(|n| format!(" ({n})")).unwrap_or_default()
            )
        })
        .collect();
    Ok(LicenseView {
        id: l.id.clone(),
        has_evidence: state.store.evidence(&l.id).await?.is_some(),
        title: title(l),
        reason: (l.status == "rejected").then(|| l.method.clone().unwrap_or_default()),
        status,
        history,
    })
}

async fn page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> AppResult<LicensesPage> {
    let tz = actor.user.time_zone();
    let mut licenses = Vec::new();
    for l in state.store.licenses_of(&actor.user.id).await? {
        licenses.push(view(state, &l, &tz).await?);
    }
    Ok(LicensesPage {
        ctx,
        notice,
        licenses,
        types: LicenseType::ALL
            .iter()
            .map(|t| (t.as_str(), t.label()))
            .collect(),
        countries: countries().to_vec(),
        errors,
    })
}

pub async fn mine(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let notice = (q.notice.as_deref() == Some("submitted"))
        .then_some("Submitted. An administrator will verify it; you will see the outcome here.");
    Ok(render(&page(&state, ctx, &actor, notice, FormErrors::default()).await?)?.into_response())
}

/// The API's bodies refuse unknown fields; forms also carry their CSRF token, so they are
/// read with the token allowed and passed on without it.
#[derive(serde::Deserialize)]
pub struct Form<T> {
    #[serde(default)]
    #[allow(dead_code)]
    csrf: String,
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
    #[serde(skip)]
    _t: std::marker::PhantomData<T>,
}

impl<T: serde::de::DeserializeOwned> Form<T> {
    fn into_inner(self) -> AppResult<T> {
        let value = serde_json::Value::Object(
            self.fields
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
        );
        serde_json::from_value(value)
            .map_err(|e| AppError::BadRequest(format!("The form is incomplete: {e}")))
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    WebForm(f): WebForm<Form<LicenseInput>>,
) -> AppResult<Response> {
    let f = match f.into_inner() {
        Ok(f) => f,
        Err(e) => {
            let status = e.status();
            return Ok((
                status,
                render(&page(&state, ctx, &actor, None, FormErrors::from_error(&e)).await?)?,
            )
                .into_response());
        }
    };
    match credentials::submit(&state, &actor, &f).await {
        Ok(_) => Ok(Redirect::to("/therapist/licenses?notice=submitted").into_response()),
        Err(e @ AppError::Fields(_)) => {
            let status = e.status();
            Ok((
                status,
                render(&page(&state, ctx, &actor, None, FormErrors::from_error(&e)).await?)?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

pub struct QueueItem {
    pub id: String,
    pub has_evidence: bool,
    pub therapist: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "directory/license_queue.html")]
pub struct QueuePage {
    pub ctx: PageCtx,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    pub queue: Vec<QueueItem>,
}

async fn queue_page(
    state: &AppState,
    ctx: PageCtx,
    notice: Option<&'static str>,
    error: Option<String>,
) -> AppResult<QueuePage> {
    let mut queue = Vec::new();
    for l in state.store.pending_licenses().await? {
        let who = state
            .store
            .user(&UserId(l.therapist_id.clone()))
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        queue.push(QueueItem {
            has_evidence: state.store.evidence(&l.id).await?.is_some(),
            id: l.id.clone(),
            therapist: who,
            title: title(&l),
        });
    }
    Ok(QueuePage {
        ctx,
        notice,
        error,
        queue,
    })
}

pub async fn queue(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let notice = match q.notice.as_deref() {
        Some("verified") => {
            Some("Verified. The therapist is now listed where this license is valid.")
        }
        Some("rejected") => Some("Rejected. The therapist sees your reason."),
        _ => None,
    };
    Ok(render(&queue_page(&state, ctx, notice, None).await?)?.into_response())
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Path(license): Path<String>,
    WebForm(d): WebForm<Form<Decision>>,
) -> AppResult<Response> {
    let d = d.into_inner()?;
    match credentials::decide(&state, &actor, &license, &d).await {
        Ok(l) => Ok(Redirect::to(&format!("/admin/licenses?notice={}", l.status)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Fields(_))) => {
            let status = e.status();
            Ok((
                status,
                render(&queue_page(&state, ctx, None, Some(e.public_message())).await?)?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}
