//! Care endpoints: a contact request to a therapist, a person's relationships, one
//! relationship with its request and history, and answering, withdrawing and ending.

use super::service::{self, Topic};
use crate::platform::auth::Actor;
use crate::platform::error::AppResult;
use crate::platform::forms::ApiJson;
use crate::platform::meta::RequestMeta;
use crate::platform::respond::Problem;
use crate::platform::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rapport_core::care::{CareEvent, CareStatus};
use rapport_core::UserId;
use rapport_store::care::CareListing;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A relationship as either side lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CareSummary {
    pub id: String,
    pub client_id: String,
    pub client_name: String,
    pub therapist_id: String,
    pub therapist_name: String,
    pub status: CareStatus,
    /// `client` or `therapist`, once ended.
    pub ended_by: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub updated_at: i64,
    pub next_session_id: Option<String>,
    pub next_session_at: Option<i64>,
    /// When the open contact request was sent, if there is one.
    pub request_at: Option<i64>,
}

impl From<CareListing> for CareSummary {
    fn from(c: CareListing) -> Self {
        Self {
            status: CareStatus::parse(&c.status).unwrap_or(CareStatus::Ended),
            id: c.id,
            client_id: c.client_id,
            client_name: c.client_name,
            therapist_id: c.therapist_id,
            therapist_name: c.therapist_name,
            ended_by: c.ended_by,
            updated_at: c.updated_at,
            next_session_id: c.next_session_id,
            next_session_at: c.next_session_at,
            request_at: c.request_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactRequestView {
    pub id: String,
    pub topic: Topic,
    pub message: String,
    pub created_at: i64,
    /// `accepted`, `declined` or `withdrawn`, once answered.
    pub outcome: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntryView {
    pub at: i64,
    /// requested, accepted, declined, withdrawn, booked or ended.
    pub kind: String,
    /// client, therapist or system.
    pub party: String,
    pub status: CareStatus,
    /// The note left with this change, if any.
    pub note: Option<String>,
}

/// One relationship with everything its two sides may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct CareDetailView {
    pub relationship: CareSummary,
    pub contact_requests: Vec<ContactRequestView>,
    pub history: Vec<HistoryEntryView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    /// `question` or `consultation`.
    #[schema(value_type = Topic)]
    pub topic: String,
    /// 1 to 2,000 characters.
    pub message: String,
}

#[utoipa::path(post, path = "/api/v1/therapists/{id}/contact-requests", tag = "care", request_body = ContactBody,
    params(("id" = String, Path, description = "A listed therapist's id")),
    responses(
        (status = 201, description = "Sent; the relationship now waits for the therapist's answer", body = CareSummary),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only clients write to therapists", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No listed therapist with that id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request is already open, or you are in care with them", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The message is empty or too long", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many open requests", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_contact(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ContactBody>,
) -> AppResult<(StatusCode, Json<CareSummary>)> {
    let topic = Topic::parse(&b.topic).ok_or_else(|| {
        rapport_core::Invalid::new("topic", "Choose `question` or `consultation`.")
    })?;
    let row =
        service::request_contact(&state, &actor, &UserId(id), topic, &b.message, &meta).await?;
    summary(&state, &row.id)
        .await
        .map(|s| (StatusCode::CREATED, s))
}

async fn summary(state: &AppState, id: &str) -> AppResult<Json<CareSummary>> {
    let listing = state
        .store
        .care_listing(id, rapport_store::now_ms())
        .await?
        .ok_or(crate::platform::error::AppError::NotFound)?;
    Ok(Json(listing.into()))
}

#[utoipa::path(get, path = "/api/v1/me/care", tag = "care",
    responses(
        (status = 200, description = "Your relationships on your side (a client's therapists, a therapist's clients), open requests first", body = [CareSummary]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn mine(
    State(state): State<AppState>,
    actor: Actor,
) -> AppResult<Json<Vec<CareSummary>>> {
    Ok(Json(
        service::list(&state, &actor)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/care/{id}", tag = "care",
    params(("id" = String, Path, description = "The relationship's id")),
    responses(
        (status = 200, description = "The relationship, its contact requests (opened: a therapist's reading is logged) and its history", body = CareDetailView),
        (status = 404, description = "Not one of your relationships", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Json<CareDetailView>> {
    let d = service::detail(&state, &actor, &id, &meta).await?;
    Ok(Json(CareDetailView {
        relationship: d.listing.into(),
        contact_requests: d
            .requests
            .into_iter()
            .map(|q| ContactRequestView {
                id: q.id,
                topic: q.topic,
                message: q.message,
                created_at: q.at,
                outcome: q.outcome,
            })
            .collect(),
        history: d
            .history
            .into_iter()
            .map(|h| HistoryEntryView {
                at: h.at,
                kind: h.kind.as_str().into(),
                party: h.party,
                status: h.status,
                note: h.note,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// An optional note to the other side (up to 2,000 characters), sealed like all
    /// clinical text.
    #[serde(default)]
    pub note: Option<String>,
}

async fn act(
    state: AppState,
    actor: Actor,
    meta: RequestMeta,
    id: String,
    event: CareEvent,
    note: Option<String>,
) -> AppResult<Json<CareSummary>> {
    service::change(
        &state,
        &actor,
        &id,
        event,
        note.as_deref().unwrap_or(""),
        &meta,
    )
    .await?;
    summary(&state, &id).await
}

#[utoipa::path(post, path = "/api/v1/care/{id}/accept", tag = "care", request_body = NoteBody,
    params(("id" = String, Path, description = "The relationship's id")),
    responses(
        (status = 200, description = "Accepted: care is active; the client was told", body = CareSummary),
        (status = 404, description = "Not one of your relationships", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "There is no open request", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn accept(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NoteBody>,
) -> AppResult<Json<CareSummary>> {
    act(state, actor, meta, id, CareEvent::Accepted, b.note).await
}

#[utoipa::path(post, path = "/api/v1/care/{id}/decline", tag = "care", request_body = NoteBody,
    params(("id" = String, Path, description = "The relationship's id")),
    responses(
        (status = 200, description = "Declined; the client was told", body = CareSummary),
        (status = 404, description = "Not one of your relationships", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "There is no open request", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn decline(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NoteBody>,
) -> AppResult<Json<CareSummary>> {
    act(state, actor, meta, id, CareEvent::Declined, b.note).await
}

#[utoipa::path(post, path = "/api/v1/care/{id}/withdraw", tag = "care",
    params(("id" = String, Path, description = "The relationship's id")),
    responses(
        (status = 200, description = "The request was taken back; the therapist was told", body = CareSummary),
        (status = 404, description = "Not one of your relationships", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "There is no open request", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn withdraw(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> AppResult<Json<CareSummary>> {
    act(state, actor, meta, id, CareEvent::Withdrawn, None).await
}

#[utoipa::path(post, path = "/api/v1/care/{id}/end", tag = "care", request_body = NoteBody,
    params(("id" = String, Path, description = "The relationship's id")),
    responses(
        (status = 200, description = "Care ended; the other side was told and booked sessions were cancelled", body = CareSummary),
        (status = 404, description = "Not one of your relationships", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Care is not active", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The note is too long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn end(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NoteBody>,
) -> AppResult<Json<CareSummary>> {
    act(state, actor, meta, id, CareEvent::Ended, b.note).await
}
