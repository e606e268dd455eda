//! The pages of care relationships: writing to a therapist from their profile, each
//! side's list (a client's therapists, a therapist's clients), and one relationship's
//! page with its request, history and the actions its status allows.

use super::service::{self, CareDetail, Topic};
use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::forms::{NoticeQuery, WebForm};
use crate::platform::layout::{render, FormErrors, PageCtx};
use crate::platform::meta::RequestMeta;
use crate::platform::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use rapport_core::care::{CareEvent, CareStatus};
use rapport_core::schedule::policy::Party;
use rapport_core::time::human;
use rapport_core::{Role, UserId};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "care/contact.html")]
pub struct ContactPage {
    pub ctx: PageCtx,
    pub therapist_id: String,
    pub therapist_name: String,
    pub topic: String,
    pub message: String,
    pub errors: FormErrors,
}

async fn therapist_name(state: &AppState, id: &str) -> AppResult<String> {
    state
        .store
        .clinician_name(&UserId(id.to_string()))
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn contact_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let page = ContactPage {
        ctx,
        therapist_name: therapist_name(&state, &id).await?,
        therapist_id: id,
        topic: "question".into(),
        message: String::new(),
        errors: FormErrors::default(),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    message: String,
}

pub async fn contact(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
    WebForm(f): WebForm<ContactForm>,
) -> AppResult<Response> {
    let topic = Topic::parse(&f.topic).unwrap_or(Topic::Question);
    let sent = service::request_contact(
        &state,
        &actor,
        &UserId(id.clone()),
        topic,
        &f.message,
        &meta,
    )
    .await;
    match sent {
        Ok(row) => Ok(Redirect::to(&format!("/care/{}?notice=sent", row.id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_) | AppError::TooManyRequests(_))) => {
            let status = e.status();
            let page = ContactPage {
                ctx,
                therapist_name: therapist_name(&state, &id).await?,
                therapist_id: id,
                topic: topic.as_str().into(),
                message: f.message,
                errors: FormErrors::from_error(&e),
            };
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

pub struct Row {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub next: String,
    pub next_id: Option<String>,
}

#[derive(Template)]
#[template(path = "care/list.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub is_therapist: bool,
    pub rows: Vec<Row>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
) -> AppResult<Response> {
    let tz = actor.user.time_zone();
    let is_therapist = actor.role() == Role::Therapist;
    let rows = service::list(&state, &actor)
        .await?
        .into_iter()
        .map(|c| Row {
            name: if is_therapist {
                c.client_name
            } else {
                c.therapist_name
            },
            status: match CareStatus::parse(&c.status) {
                Some(CareStatus::Requested) if is_therapist => "New request: please answer",
                Some(s) => s.label(),
                None => "Ended",
            },
            next: c
                .next_session_at
                .map(|at| human(at, &tz))
                .unwrap_or_else(|| "None booked".into()),
            next_id: c.next_session_id,
            id: c.id,
        })
        .collect();
    Ok(render(&ListPage {
        ctx,
        is_therapist,
        rows,
    })?
    .into_response())
}

pub struct RequestView {
    pub id: String,
    pub topic: &'static str,
    pub when: String,
    pub message: String,
    pub outcome: Option<String>,
}

pub struct HistoryView {
    pub sentence: String,
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "care/detail.html")]
pub struct DetailPage {
    pub ctx: PageCtx,
    pub id: String,
    pub other_name: String,
    pub therapist_id: String,
    pub is_therapist: bool,
    pub status: &'static str,
    pub notice: Option<&'static str>,
    pub errors: FormErrors,
    pub next: Option<String>,
    pub next_id: String,
    pub requests: Vec<RequestView>,
    pub history: Vec<HistoryView>,
    pub can_book: bool,
    pub can_answer: bool,
    pub can_withdraw: bool,
    pub can_end: bool,
}

fn notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "sent" => "Your message was sent. You will get an e-mail when the therapist answers.",
        "accepted" => "Accepted. The client has been told and can now book a session.",
        "declined" => "Declined. The client has been told.",
        "withdrawn" => "Your request was taken back.",
        "ended" => "Care has ended. The other side has been told.",
        _ => return None,
    })
}

fn sentence(h: &service::HistoryEntry, d: &CareDetail, tz: &rapport_core::TimeZoneName) -> String {
    let who = match h.party.as_str() {
        "client" => d.listing.client_name.as_str(),
        "therapist" => d.listing.therapist_name.as_str(),
        _ => "Rapport",
    };
    let what = match h.kind {
        CareEvent::ContactRequested => "wrote from the directory",
        CareEvent::Accepted => "accepted the request",
        CareEvent::Declined => "declined the request",
        CareEvent::Withdrawn => "took back the request",
        CareEvent::Booked => "booked a first session; care began",
        CareEvent::Ended => "ended care",
    };
    format!("{} — {who} {what}", human(h.at, tz))
}

async fn detail_page(
    state: &AppState,
    ctx: PageCtx,
    actor: &Actor,
    id: &str,
    meta: &RequestMeta,
    notice: Option<&'static str>,
    errors: FormErrors,
) -> AppResult<DetailPage> {
    let d = service::detail(state, actor, id, meta).await?;
    let tz = actor.user.time_zone();
    let status = CareStatus::parse(&d.listing.status).unwrap_or(CareStatus::Ended);
    let is_therapist = d.party == Party::Therapist;
    let ended_by_therapist = d.listing.ended_by.as_deref() == Some("therapist");
    let history = d
        .history
        .iter()
        .map(|h| HistoryView {
            sentence: sentence(h, &d, &tz),
            note: h.note.clone(),
        })
        .collect();
    let requests = d
        .requests
        .iter()
        .map(|q| RequestView {
            id: q.id.clone(),
            topic: q.topic.label(),
            when: human(q.at, &tz),
            message: q.message.clone(),
            outcome: q.outcome.as_deref().map(|o| match o {
                "accepted" => "Accepted".to_string(),
                "declined" => "Declined".to_string(),
                "withdrawn" => "Taken back".to_string(),
                other => other.to_string(),
            }),
        })
        .collect();
    Ok(DetailPage {
        ctx,
        id: id.to_string(),
        other_name: if is_therapist {
            d.listing.client_name.clone()
        } else {
            d.listing.therapist_name.clone()
        },
        therapist_id: d.listing.therapist_id.clone(),
        is_therapist,
        status: if status == CareStatus::Requested && is_therapist {
            "New request: please answer"
        } else {
            status.label()
        },
        notice,
        errors,
        next: d.listing.next_session_at.map(|at| human(at, &tz)),
        next_id: d.listing.next_session_id.clone().unwrap_or_default(),
        requests,
        history,
        can_book: !is_therapist && (status != CareStatus::Ended || !ended_by_therapist),
        can_answer: is_therapist && status == CareStatus::Requested,
        can_withdraw: !is_therapist && status == CareStatus::Requested,
        can_end: status == CareStatus::Active,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Response> {
    let page = detail_page(
        &state,
        ctx,
        &actor,
        &id,
        &meta,
        notice(q.notice.as_deref()),
        FormErrors::default(),
    )
    .await?;
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// What a form on the relationship page asks for: the change, its note, and the notice
/// code shown after it.
struct Act {
    event: CareEvent,
    note: String,
    done: &'static str,
}

async fn act(
    state: AppState,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    id: String,
    Act { event, note, done }: Act,
) -> AppResult<Response> {
    match service::change(&state, &actor, &id, event, &note, &meta).await {
        Ok(_) => Ok(Redirect::to(&format!("/care/{id}?notice={done}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let status = e.status();
            let page = detail_page(
                &state,
                ctx,
                &actor,
                &id,
                &meta,
                None,
                FormErrors::from_error(&e),
            )
            .await?;
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn accept(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
    WebForm(f): WebForm<NoteForm>,
) -> AppResult<Response> {
    act(
        state,
        ctx,
        actor,
        meta,
        id,
        Act {
            event: CareEvent::Accepted,
            note: f.note,
            done: "accepted",
        },
    )
    .await
}

pub async fn decline(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
    WebForm(f): WebForm<NoteForm>,
) -> AppResult<Response> {
    act(
        state,
        ctx,
        actor,
        meta,
        id,
        Act {
            event: CareEvent::Declined,
            note: f.note,
            done: "declined",
        },
    )
    .await
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Response> {
    act(
        state,
        ctx,
        actor,
        meta,
        id,
        Act {
            event: CareEvent::Withdrawn,
            note: String::new(),
            done: "withdrawn",
        },
    )
    .await
}

pub async fn end(
    State(state): State<AppState>,
    ctx: PageCtx,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
    WebForm(f): WebForm<NoteForm>,
) -> AppResult<Response> {
    act(
        state,
        ctx,
        actor,
        meta,
        id,
        Act {
            event: CareEvent::Ended,
            note: f.note,
            done: "ended",
        },
    )
    .await
}
