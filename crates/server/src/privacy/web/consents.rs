//! Consent pages: the list, each document with its sign form, downloads and withdrawal.

use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::forms::{NoticeQuery, WebForm};
use crate::platform::layout::render;
use crate::platform::layout::{FormErrors, PageCtx};
use crate::platform::state::AppState;
use crate::privacy::consent::{self, ConsentStatus};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use rapport_core::time::human;
use serde::Deserialize;

pub struct ConsentRow {
    pub key: &'static str,
    pub title: &'static str,
    pub optional: bool,
    pub needed_for: &'static str,
    pub status_words: String,
}

#[derive(Template)]
#[template(path = "privacy/consents.html")]
pub struct ConsentsPage {
    pub ctx: PageCtx,
    pub rows: Vec<ConsentRow>,
    pub notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "privacy/consent.html")]
pub struct ConsentPage {
    pub ctx: PageCtx,
    pub key: &'static str,
    pub title: &'static str,
    pub version: i64,
    pub optional: bool,
    pub needed_for: &'static str,
    pub paragraphs: Vec<&'static str>,
    pub signed: Option<String>,
    pub can_sign: bool,
    pub can_withdraw: bool,
    pub errors: FormErrors,
    pub notice: Option<&'static str>,
}

fn words(s: &ConsentStatus, tz: &rapport_core::TimeZoneName) -> String {
    let when = |ms: Option<i64>| ms.map(|m| human(m, tz)).unwrap_or_default();
    match s.status {
        "signed" => format!("Signed {}", when(s.signed_at)),
        "withdrawn" => format!("Withdrawn {}", when(s.withdrawn_at)),
        "outdated" => format!(
            "Changed since you signed version {}: please read and sign again",
            s.signed_version.unwrap_or(0)
        ),
        _ => "Not signed yet".into(),
    }
}

fn notice(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "signed" => Some("Thank you. Your signature is recorded."),
        "withdrawn" => Some("You have withdrawn this consent."),
        _ => None,
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let tz = actor.user.time_zone();
    let rows = consent::statuses(&state, &actor.user.id)
        .await?
        .iter()
        .map(|s| ConsentRow {
            key: s.key,
            title: s.title,
            optional: s.optional,
            needed_for: s.needed_for,
            status_words: words(s, &tz),
        })
        .collect();
    Ok(render(&ConsentsPage {
        ctx,
        rows,
        notice: notice(q.notice.as_deref()),
    })?
    .into_response())
}

async fn page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    key: &str,
    errors: FormErrors,
    notice: Option<&'static str>,
) -> AppResult<ConsentPage> {
    let doc = consent::document(key)?;
    let status = consent::statuses(state, &actor.user.id)
        .await?
        .into_iter()
        .find(|s| s.key == doc.key)
        .ok_or(AppError::NotFound)?;
    let signed = status.signed_at.map(|_| {
        format!(
            "{} — signed by {} (version {}).",
            words(&status, &actor.user.time_zone()),
            status.typed_name.clone().unwrap_or_default(),
            status.signed_version.unwrap_or(0)
        )
    });
    Ok(ConsentPage {
        ctx,
        key: doc.key,
        title: doc.title,
        version: doc.version,
        optional: doc.optional,
        needed_for: doc.needed_for,
        paragraphs: doc
            .text
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect(),
        can_sign: status.status != "signed",
        can_withdraw: doc.optional && status.status == "signed",
        signed,
        errors,
        notice,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Path(key): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let p = page(
        &state,
        ctx,
        &actor,
        &key,
        FormErrors::default(),
        notice(q.notice.as_deref()),
    )
    .await?;
    Ok(render(&p)?.into_response())
}

#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    typed_name: String,
    version: Option<i64>,
}

pub async fn sign(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    Path(key): Path<String>,
    WebForm(f): WebForm<SignForm>,
) -> AppResult<Response> {
    match consent::sign(&state, &actor.user.id, &key, &f.typed_name, f.version).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/consents/{}?notice=signed",
            consent::document(&key)?.key
        ))
        .into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let status = e.status();
            let p = page(&state, ctx, &actor, &key, FormErrors::from_error(&e), None).await?;
            Ok((status, render(&p)?).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
) -> AppResult<Response> {
    consent::withdraw(&state, &actor.user.id, &key).await?;
    Ok(Redirect::to(&format!(
        "/consents/{}?notice=withdrawn",
        consent::document(&key)?.key
    ))
    .into_response())
}

/// The signed text with its signature block, as a file.
pub async fn download(
    State(state): State<AppState>,
    actor: Actor,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let doc = consent::document(&key)?;
    let sig = consent::latest_signatures(&state, &actor.user.id)
        .await?
        .into_iter()
        .find(|s| s.document == doc.key)
        .ok_or(AppError::NotFound)?;
    let disposition = format!(
        "attachment; filename=\"rapport-{}-v{}.txt\"",
        doc.key, sig.version
    );
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        consent::signed_copy(doc, &sig),
    )
        .into_response())
}
