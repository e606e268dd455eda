//! The care relationship as a service: a client's contact request from a directory
//! profile, the therapist's answer, withdrawing and ending, and what each side sees. The
//! rules are `rapport_core::care`; the store applies them inside the transaction; the
//! texts people write (the request, an answer, a reason for ending) are sealed by the
//! vault under the client's key, so each therapist read is in the client's access log.

use super::mail;
use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::meta::RequestMeta;
use crate::platform::state::AppState;
use rapport_core::care::{CareEvent, CareStatus};
use rapport_core::schedule::policy::Party;
use rapport_core::{Invalid, Role, UserId};
use rapport_store::care::{CareListing, CareRow, Change};
use rapport_store::Tx;
use rapport_vault::{Locator, Purpose, RecordKind};

/// Longest contact request, answer or reason, in characters.
pub const MAX_TEXT: usize = 2_000;
/// Open requests a client may have at once (each one asks a therapist's time).
pub const MAX_OPEN_REQUESTS: usize = 5;

/// What a contact request asks for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// A question before deciding.
    Question,
    /// A free 15-minute consultation.
    Consultation,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Question => "question",
            Topic::Consultation => "consultation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "question" => Some(Topic::Question),
            "consultation" => Some(Topic::Consultation),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Topic::Question => "A question",
            Topic::Consultation => "A free consultation",
        }
    }
}

/// Which side of a relationship the actor is on; anyone else is told it does not exist.
pub fn party_in(actor: &Actor, r: &CareRow) -> AppResult<Party> {
    if actor.user.id.as_str() == r.therapist_id {
        Ok(Party::Therapist)
    } else if actor.user.id.as_str() == r.client_id {
        Ok(Party::Client)
    } else {
        Err(AppError::NotFound)
    }
}

/// A relationship the actor is part of.
pub async fn relationship_for(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> AppResult<(CareRow, Party)> {
    let r = state.store.care(id).await?.ok_or(AppError::NotFound)?;
    let party = party_in(actor, &r)?;
    Ok((r, party))
}

fn text(field: &'static str, raw: &str, required: bool) -> AppResult<Option<String>> {
    let t = raw.trim();
    if t.is_empty() {
        return if required {
            Err(Invalid::new(field, "Write a few words (up to 2,000 characters).").into())
        } else {
            Ok(None)
        };
    }
    if t.chars().count() > MAX_TEXT {
        return Err(Invalid::new(
            field,
            format!("Keep it under {MAX_TEXT} characters; you can say more once you are talking."),
        )
        .into());
    }
    Ok(Some(t.to_string()))
}

fn locator<'a>(
    client: &'a UserId,
    care: &'a str,
    kind: RecordKind,
    table: &'a str,
    row: &'a str,
) -> Locator<'a> {
    Locator {
        client,
        care: Some(care),
        kind,
        table,
        row_id: row,
        field: "text",
    }
}

fn vault_error(e: rapport_vault::VaultError) -> AppError {
    match e {
        rapport_vault::VaultError::NotPermitted => AppError::NotFound,
        other => AppError::Internal(other.into()),
    }
}

fn refused(r: rapport_core::care::Refused) -> AppError {
    AppError::Conflict(r.0.to_string())
}

/// A client asks a listed therapist a question, or for a free consultation.
pub async fn request_contact(
    state: &AppState,
    client: &Actor,
    therapist_id: &UserId,
    topic: Topic,
    message: &str,
    meta: &RequestMeta,
) -> AppResult<CareRow> {
    if client.role() != Role::Client {
        return Err(AppError::Forbidden);
    }
    let message = text("message", message, true)?.unwrap_or_default();
    let therapist = state
        .store
        .user(therapist_id)
        .await?
        .filter(|u| u.role == Role::Therapist && u.erased_at.is_none())
        .ok_or(AppError::NotFound)?;
    if crate::directory::service::listed_licenses(state, &therapist.id)
        .await?
        .is_empty()
    {
        return Err(AppError::NotFound);
    }
    let open = state
        .store
        .care_of(&client.user.id, rapport_store::now_ms())
        .await?
        .into_iter()
        .filter(|c| c.client_id == client.user.id.as_str() && c.status == "requested")
        .count();
    if open >= MAX_OPEN_REQUESTS {
        return Err(AppError::TooManyRequests(format!(
            "You have {open} requests waiting for an answer. Please wait for one, or take one back, before writing to another therapist."
        )));
    }
    let mut tx = state.store.begin_write().await?;
    let row = rapport_store::care::apply(
        &mut tx,
        Change {
            client: &client.user.id,
            therapist: &therapist.id,
            event: CareEvent::ContactRequested,
            party: Party::Client,
            actor: &client.user.id,
            event_id: &rapport_store::new_id(),
            reason_sealed: None,
        },
    )
    .await?
    .map_err(refused)?;
    let request_id = rapport_store::new_id();
    let ctx = client.access(Purpose::ClientRequest, &meta.request_id);
    let at = locator(
        &client.user.id,
        &row.id,
        RecordKind::ContactRequest,
        "contact_requests",
        &request_id,
    );
    let sealed = state
        .vault
        .seal(
            &mut tx,
            &ctx,
            &at,
            &format!("{}\n{message}", topic.as_str()),
        )
        .await
        .map_err(vault_error)?;
    rapport_store::care::add_contact_request(
        &mut tx,
        &request_id,
        &row.id,
        topic.as_str(),
        &sealed,
    )
    .await?;
    mail::contact_requested(
        state,
        &mut tx,
        &therapist,
        &row.id,
        topic == Topic::Consultation,
    )
    .await?;
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(row)
}

/// Seals an optional note for a history entry (an answer or a reason).
async fn seal_note(
    state: &AppState,
    tx: &mut Tx,
    ctx: &rapport_vault::AccessContext,
    r: &CareRow,
    (kind, event_id): (RecordKind, &str),
    note: Option<&str>,
) -> AppResult<Option<Vec<u8>>> {
    let Some(note) = note else {
        return Ok(None);
    };
    let client = UserId(r.client_id.clone());
    let at = locator(&client, &r.id, kind, "care_events", event_id);
    Ok(Some(
        state
            .vault
            .seal(tx, ctx, &at, note)
            .await
            .map_err(vault_error)?,
    ))
}

/// Moves a relationship by `event`, with an optional note, and tells the other side.
pub async fn change(
    state: &AppState,
    actor: &Actor,
    id: &str,
    event: CareEvent,
    note: &str,
    meta: &RequestMeta,
) -> AppResult<CareRow> {
    let (r, party) = relationship_for(state, actor, id).await?;
    let note = text("note", note, false)?;
    let client = UserId(r.client_id.clone());
    let therapist = UserId(r.therapist_id.clone());
    let event_id = rapport_store::new_id();
    // Before a request is answered, what is written belongs to the request; afterwards,
    // to the relationship.
    let kind = if r.status() == CareStatus::Requested {
        RecordKind::ContactRequest
    } else {
        RecordKind::RelationshipNote
    };
    let mut tx = state.store.begin_write().await?;
    // The check is repeated inside the transaction by the store; this one gives a clear
    // message before anything is sealed.
    rapport_core::care::transition(Some(&r.rules()), event, party).map_err(refused)?;
    let purpose = match party {
        Party::Client => Purpose::ClientRequest,
        Party::Therapist => Purpose::Treatment,
    };
    let ctx = actor.access(purpose, &meta.request_id);
    let sealed = seal_note(state, &mut tx, &ctx, &r, (kind, &event_id), note.as_deref()).await?;
    let row = rapport_store::care::apply(
        &mut tx,
        Change {
            client: &client,
            therapist: &therapist,
            event,
            party,
            actor: &actor.user.id,
            event_id: &event_id,
            reason_sealed: sealed.as_deref(),
        },
    )
    .await?
    .map_err(refused)?;
    let other = match party {
        Party::Client => &therapist,
        Party::Therapist => &client,
    };
    if let Some(other) = rapport_store::users::user_in(&mut tx, other).await? {
        if other.erased_at.is_none() {
            mail::changed(
                state,
                &mut tx,
                &other,
                &actor.user.display_name,
                &row.id,
                event,
            )
            .await?;
        }
    }
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    if row.status() == CareStatus::Ended {
        cancel_future_sessions(state, actor, &client, &therapist).await?;
    }
    Ok(row)
}

/// When care ends, the sessions still booked between the two are cancelled (each side is
/// told by scheduling's own mails), so no calendar keeps time for care that ended.
async fn cancel_future_sessions(
    state: &AppState,
    actor: &Actor,
    client: &UserId,
    therapist: &UserId,
) -> AppResult<()> {
    let now = chrono::Utc::now();
    for a in state
        .store
        .appointments_of(
            client,
            rapport_core::time::to_millis(now),
            rapport_core::time::to_millis(now + chrono::Duration::days(800)),
        )
        .await?
    {
        if a.status == "booked" && a.therapist_id == therapist.as_str() {
            crate::scheduling::service::cancel(state, actor, &a.id).await?;
        }
    }
    Ok(())
}

/// Ends every relationship a client has (when they erase their account): open requests
/// are withdrawn, care ends; the therapists keep read access to what was recorded, for
/// the retention period, and are told.
pub async fn end_all_for_erasure(
    state: &AppState,
    client: &Actor,
    meta: &RequestMeta,
) -> AppResult<()> {
    for c in state
        .store
        .care_of(&client.user.id, rapport_store::now_ms())
        .await?
    {
        if c.client_id != client.user.id.as_str() {
            continue;
        }
        let event = match c.status.as_str() {
            "requested" => CareEvent::Withdrawn,
            "active" => CareEvent::Ended,
            _ => continue,
        };
        change(state, client, &c.id, event, "", meta).await?;
    }
    Ok(())
}

/// A relationship as one side sees it, with its history and requests opened.
pub struct CareDetail {
    pub listing: CareListing,
    pub party: Party,
    pub history: Vec<HistoryEntry>,
    pub requests: Vec<RequestEntry>,
}

pub struct HistoryEntry {
    pub at: i64,
    pub kind: CareEvent,
    pub party: String,
    pub status: CareStatus,
    pub note: Option<String>,
}

pub struct RequestEntry {
    pub id: String,
    pub at: i64,
    pub topic: Topic,
    pub message: String,
    pub outcome: Option<String>,
}

/// Everything about one relationship the actor may see. The therapist's reading of the
/// request and notes is recorded in the client's access log.
pub async fn detail(
    state: &AppState,
    actor: &Actor,
    id: &str,
    meta: &RequestMeta,
) -> AppResult<CareDetail> {
    let (r, party) = relationship_for(state, actor, id).await?;
    let listing = state
        .store
        .care_listing(id, rapport_store::now_ms())
        .await?
        .ok_or(AppError::NotFound)?;
    let client = UserId(r.client_id.clone());
    let purpose = match party {
        Party::Client => Purpose::ClientRequest,
        Party::Therapist => Purpose::Treatment,
    };
    let ctx = actor.access(purpose, &meta.request_id);
    let mut tx = state.store.begin_write().await?;
    let (requests, history) = open_records(state, &mut tx, &ctx, &client, id).await?;
    tx.commit().await?;
    Ok(CareDetail {
        listing,
        party,
        history,
        requests,
    })
}

/// Opens a relationship's contact requests and notes under `ctx` inside `tx` (each open
/// by someone other than the client is logged there).
async fn open_records(
    state: &AppState,
    tx: &mut rapport_store::Tx,
    ctx: &rapport_vault::AccessContext,
    client: &UserId,
    id: &str,
) -> AppResult<(Vec<RequestEntry>, Vec<HistoryEntry>)> {
    let events = state.store.care_events(id).await?;
    let stored_requests = state.store.contact_requests(id).await?;
    let mut requests = Vec::new();
    for q in stored_requests {
        let at = locator(
            client,
            id,
            RecordKind::ContactRequest,
            "contact_requests",
            &q.id,
        );
        let opened = state
            .vault
            .open(tx, ctx, &at, &q.body_sealed)
            .await
            .map_err(vault_error)?;
        let (topic, message) = opened.expose().split_once('\n').unwrap_or(("question", ""));
        requests.push(RequestEntry {
            id: q.id.clone(),
            at: q.created_at,
            topic: Topic::parse(topic).unwrap_or(Topic::Question),
            message: message.to_string(),
            outcome: q.outcome.clone(),
        });
    }
    let mut history = Vec::new();
    for e in events {
        let status = CareStatus::parse(&e.status).unwrap_or(CareStatus::Ended);
        let kind = CareEvent::parse(&e.kind).unwrap_or(CareEvent::Ended);
        let note = match &e.reason_sealed {
            Some(sealed) => {
                let record = if matches!(
                    kind,
                    CareEvent::Accepted | CareEvent::Declined | CareEvent::Withdrawn
                ) {
                    RecordKind::ContactRequest
                } else {
                    RecordKind::RelationshipNote
                };
                let at = locator(client, id, record, "care_events", &e.id);
                match state.vault.open(tx, ctx, &at, sealed).await {
                    Ok(text) => Some(text.expose().to_string()),
                    Err(rapport_vault::VaultError::KeyDestroyed) => None,
                    Err(e) => return Err(vault_error(e)),
                }
            }
            None => None,
        };
        history.push(HistoryEntry {
            at: e.at,
            kind,
            party: e.party.clone(),
            status,
            note,
        });
    }
    Ok((requests, history))
}

/// An administrator's read-only view of one client's care records under a live
/// break-glass grant: every relationship, with its requests and notes. The vault checks
/// that the grant is this administrator's, live and for this client, and logs every read
/// as emergency access in the client's access log.
pub async fn records_under_grant(
    state: &AppState,
    admin: &Actor,
    grant: &str,
    client: &UserId,
    meta: &RequestMeta,
) -> AppResult<Vec<CareDetail>> {
    let ctx = admin.emergency_access(grant, &meta.request_id);
    let mut out = Vec::new();
    for listing in state.store.care_of(client, rapport_store::now_ms()).await? {
        if listing.client_id != client.as_str() {
            continue;
        }
        let mut tx = state.store.begin_write().await?;
        let (requests, history) = open_records(state, &mut tx, &ctx, client, &listing.id).await?;
        tx.commit().await?;
        out.push(CareDetail {
            listing,
            party: Party::Therapist,
            history,
            requests,
        });
    }
    Ok(out)
}

/// The relationships the actor has, on their side.
pub async fn list(state: &AppState, actor: &Actor) -> AppResult<Vec<CareListing>> {
    Ok(state
        .store
        .care_of(&actor.user.id, rapport_store::now_ms())
        .await?
        .into_iter()
        .filter(|c| match actor.role() {
            Role::Client => c.client_id == actor.user.id.as_str(),
            Role::Therapist => c.therapist_id == actor.user.id.as_str(),
            Role::Admin => false,
        })
        .collect())
}
