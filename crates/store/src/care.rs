//! Care relationships, their history, and contact requests. Changes go through
//! [`apply`], which reads the pair's relationship inside the caller's transaction and
//! lets `rapport_core::care::transition` decide, so no path can skip the rules.

use crate::tx::Conn;
use crate::{new_id, now_ms, Result, Store};
use rapport_core::care::{self, CareEvent, CareStatus, Refused, Relationship};
use rapport_core::schedule::policy::Party;
use rapport_core::UserId;

/// A relationship as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CareRow {
    pub id: String,
    pub client_id: String,
    pub therapist_id: String,
    pub status: String,
    pub ever_active: i64,
    pub ended_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl CareRow {
    /// The relationship as the rules in `core` see it.
    pub fn rules(&self) -> Relationship {
        Relationship {
            status: self.status(),
            ever_active: self.ever_active != 0,
            ended_by: self.ended_by.as_deref().and_then(Party::parse),
        }
    }

    pub fn status(&self) -> CareStatus {
        CareStatus::parse(&self.status).unwrap_or(CareStatus::Ended)
    }
}

/// One entry of a relationship's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CareEventRow {
    pub id: String,
    pub relationship_id: String,
    pub seq: i64,
    pub at: i64,
    pub kind: String,
    pub party: String,
    pub actor_id: Option<String>,
    pub status: String,
    pub reason_sealed: Option<Vec<u8>>,
}

/// A contact request as stored (its text sealed).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactRequestRow {
    pub id: String,
    pub relationship_id: String,
    pub topic: String,
    pub body_sealed: Vec<u8>,
    pub created_at: i64,
    pub outcome: Option<String>,
    pub answered_at: Option<i64>,
}

/// A relationship listed for one side, with the other side's name and the next session.
/// The therapist's name carries their verified credential (see
/// [`rapport_core::directory::clinician_label`]).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CareListing {
    pub id: String,
    pub client_id: String,
    pub client_name: String,
    pub therapist_id: String,
    pub therapist_name: String,
    pub status: String,
    pub ended_by: Option<String>,
    pub updated_at: i64,
    pub next_session_id: Option<String>,
    pub next_session_at: Option<i64>,
    /// When the open contact request was sent, if there is one.
    pub request_at: Option<i64>,
    /// The therapist's verified license type, if any (already part of `therapist_name`).
    pub therapist_credential: Option<String>,
}

impl CareListing {
    fn labelled(mut self) -> Self {
        self.therapist_name = rapport_core::directory::clinician_label(
            &self.therapist_name,
            self.therapist_credential.as_deref(),
        );
        self
    }
}

/// A change to apply: `event` by `party` (the person `actor`) to the pair's relationship.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub client: &'a UserId,
    pub therapist: &'a UserId,
    pub event: CareEvent,
    pub party: Party,
    pub actor: &'a UserId,
    /// The id the history entry gets (known beforehand, so a reason can be sealed for it).
    pub event_id: &'a str,
    /// A reason, already sealed by the vault for this entry.
    pub reason_sealed: Option<&'a [u8]>,
}

const COLUMNS: &str =
    "id, client_id, therapist_id, status, ever_active, ended_by, created_at, updated_at";

/// A relationship by id.
pub async fn relationship(conn: &mut Conn, id: &str) -> Result<Option<CareRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM care_relationships WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The relationship of a client and a therapist, if they have one.
pub async fn between(
    conn: &mut Conn,
    client: &UserId,
    therapist: &UserId,
) -> Result<Option<CareRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM care_relationships WHERE client_id = $1 AND therapist_id = $2"
    ))
    .bind(client.as_str())
    .bind(therapist.as_str())
    .fetch_optional(&mut *conn)
    .await?)
}

/// Applies a change inside the caller's transaction: creates the relationship if the
/// pair has none, moves its status as the rules allow, and appends the history entry.
/// Returns the relationship after the change, or the rule's refusal (nothing written).
pub async fn apply(
    conn: &mut Conn,
    c: Change<'_>,
) -> Result<std::result::Result<CareRow, Refused>> {
    let current = between(conn, c.client, c.therapist).await?;
    let next = match care::transition(
        current.as_ref().map(CareRow::rules).as_ref(),
        c.event,
        c.party,
    ) {
        Ok(s) => s,
        Err(refused) => return Ok(Err(refused)),
    };
    let now = now_ms();
    let ended_by = (next == CareStatus::Ended)
        .then(|| care::ended_by(c.event, c.party))
        .flatten()
        .map(Party::as_str);
    let active = i64::from(next == CareStatus::Active);
    let id = match &current {
        Some(r) => {
            sqlx::query(
                "UPDATE care_relationships SET status = $2, ended_by = $3, updated_at = $4, \
                 ever_active = CASE WHEN $5 = 1 THEN 1 ELSE ever_active END WHERE id = $1",
            )
            .bind(&r.id)
            .bind(next.as_str())
            .bind(ended_by)
            .bind(now)
            .bind(active)
            .execute(&mut *conn)
            .await?;
            r.id.clone()
        }
        None => {
            let id = new_id();
            sqlx::query(
                "INSERT INTO care_relationships (id, client_id, therapist_id, status, ever_active, ended_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            )
            .bind(&id)
            .bind(c.client.as_str())
            .bind(c.therapist.as_str())
            .bind(next.as_str())
            .bind(active)
            .bind(ended_by)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            id
        }
    };
    // A booking of an active relationship changes nothing worth a history entry.
    let unchanged = current
        .as_ref()
        .is_some_and(|r| r.status() == next && c.event == CareEvent::Booked);
    if !unchanged {
        let (seq,): (i64,) = sqlx::query_as(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM care_events WHERE relationship_id = $1",
        )
        .bind(&id)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO care_events (id, relationship_id, seq, at, kind, party, actor_id, status, reason_sealed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(c.event_id)
        .bind(&id)
        .bind(seq)
        .bind(now)
        .bind(c.event.as_str())
        .bind(c.party.as_str())
        .bind(c.actor.as_str())
        .bind(next.as_str())
        .bind(c.reason_sealed)
        .execute(&mut *conn)
        .await?;
    }
    if matches!(
        c.event,
        CareEvent::Accepted | CareEvent::Declined | CareEvent::Withdrawn | CareEvent::Booked
    ) {
        let outcome = match c.event {
            CareEvent::Declined => "declined",
            CareEvent::Withdrawn => "withdrawn",
            _ => "accepted",
        };
        sqlx::query(
            "UPDATE contact_requests SET outcome = $2, answered_at = $3 WHERE relationship_id = $1 AND outcome IS NULL",
        )
        .bind(&id)
        .bind(outcome)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(Ok(relationship(conn, &id)
        .await?
        .ok_or(crate::StoreError::NotFound)?))
}

/// Stores a contact request whose text the vault sealed for it.
pub async fn add_contact_request(
    conn: &mut Conn,
    id: &str,
    relationship: &str,
    topic: &str,
    body_sealed: &[u8],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO contact_requests (id, relationship_id, topic, body_sealed, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(relationship)
    .bind(topic)
    .bind(body_sealed)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const LISTING: &str = "SELECT r.id, r.client_id, c.display_name AS client_name, r.therapist_id, \
     t.display_name AS therapist_name, r.status, r.ended_by, r.updated_at, \
     (SELECT a.id FROM appointments a WHERE a.care_id = r.id AND a.status = 'booked' AND a.ends_at > $2 \
        ORDER BY a.starts_at LIMIT 1) AS next_session_id, \
     (SELECT MIN(a.starts_at) FROM appointments a WHERE a.care_id = r.id AND a.status = 'booked' AND a.ends_at > $2) \
        AS next_session_at, \
     (SELECT MAX(q.created_at) FROM contact_requests q WHERE q.relationship_id = r.id AND q.outcome IS NULL) \
        AS request_at, \
     (SELECT MIN(l.license_type) FROM licenses l WHERE l.therapist_id = t.id AND l.status = 'verified') \
        AS therapist_credential \
     FROM care_relationships r JOIN users c ON c.id = r.client_id JOIN users t ON t.id = r.therapist_id";

impl Store {
    /// A relationship by id.
    pub async fn care(&self, id: &str) -> Result<Option<CareRow>> {
        let mut conn = self.pool().acquire().await?;
        relationship(&mut conn, id).await
    }

    /// The pair's relationship, if any.
    pub async fn care_between(
        &self,
        client: &UserId,
        therapist: &UserId,
    ) -> Result<Option<CareRow>> {
        let mut conn = self.pool().acquire().await?;
        between(&mut conn, client, therapist).await
    }

    /// One relationship with names and the next session, as `now` sees it.
    pub async fn care_listing(&self, id: &str, now: i64) -> Result<Option<CareListing>> {
        let row: Option<CareListing> = sqlx::query_as(&format!("{LISTING} WHERE r.id = $1"))
            .bind(id)
            .bind(now)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(CareListing::labelled))
    }

    /// Every relationship a person has, on either side: open requests first, then by the
    /// latest change.
    pub async fn care_of(&self, person: &UserId, now: i64) -> Result<Vec<CareListing>> {
        let rows: Vec<CareListing> = sqlx::query_as(&format!(
            "{LISTING} WHERE r.client_id = $1 OR r.therapist_id = $1 \
             ORDER BY CASE r.status WHEN 'requested' THEN 0 WHEN 'active' THEN 1 ELSE 2 END, r.updated_at DESC"
        ))
        .bind(person.as_str())
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(CareListing::labelled).collect())
    }

    /// A relationship's history, oldest first.
    pub async fn care_events(&self, relationship: &str) -> Result<Vec<CareEventRow>> {
        Ok(sqlx::query_as(
            "SELECT id, relationship_id, seq, at, kind, party, actor_id, status, reason_sealed \
             FROM care_events WHERE relationship_id = $1 ORDER BY seq",
        )
        .bind(relationship)
        .fetch_all(self.pool())
        .await?)
    }

    /// A relationship's contact requests, oldest first.
    pub async fn contact_requests(&self, relationship: &str) -> Result<Vec<ContactRequestRow>> {
        Ok(sqlx::query_as(
            "SELECT id, relationship_id, topic, body_sealed, created_at, outcome, answered_at \
             FROM contact_requests WHERE relationship_id = $1 ORDER BY created_at, id",
        )
        .bind(relationship)
        .fetch_all(self.pool())
        .await?)
    }
}
