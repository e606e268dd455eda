//! Scheduling records: availability, session types, appointments and their history,
//! presence, reminders already sent, and calendar feeds. The rules (which slots exist,
//! what is late) live in `rapport_core::schedule`; this module keeps the facts and makes
//! booking atomic.

use crate::{new_id, now_ms, Result, Store, StoreError};
use rapport_core::time::to_millis;
use rapport_core::UserId;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Settings {
    pub therapist_id: String,
    pub min_notice_minutes: i64,
    pub horizon_days: i64,
    pub step_minutes: i64,
    pub free_cancel_hours: i64,
}

impl Settings {
    /// What a therapist starts with: a day's notice, 60 days ahead, starts every
    /// 30 minutes, free cancellation until 24 hours before.
    pub fn defaults(therapist: &UserId) -> Self {
        Self {
            therapist_id: therapist.as_str().to_string(),
            min_notice_minutes: 24 * 60,
            horizon_days: 60,
            step_minutes: 30,
            free_cancel_hours: 24,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WeeklyHours {
    pub id: String,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: i64,
    pub start_minute: i64,
    pub end_minute: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DayOverride {
    pub id: String,
    /// `YYYY-MM-DD`, a date in the therapist's zone.
    pub day: String,
    /// Both `None`: the whole day off.
    pub start_minute: Option<i64>,
    pub end_minute: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TimeOff {
    pub id: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SessionType {
    pub id: String,
    pub therapist_id: String,
    pub name: String,
    pub minutes: i64,
    pub buffer_before: i64,
    pub buffer_after: i64,
    pub active: bool,
}

#[derive(sqlx::FromRow)]
struct SessionTypeRow {
    id: String,
    therapist_id: String,
    name: String,
    minutes: i64,
    buffer_before: i64,
    buffer_after: i64,
    active: i64,
}

impl From<SessionTypeRow> for SessionType {
    fn from(r: SessionTypeRow) -> Self {
        Self {
            id: r.id,
            therapist_id: r.therapist_id,
            name: r.name,
            minutes: r.minutes,
            buffer_before: r.buffer_before,
            buffer_after: r.buffer_after,
            active: r.active != 0,
        }
    }
}

/// An appointment with the names both sides see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub id: String,
    pub therapist_id: String,
    pub client_id: String,
    pub session_type_id: String,
    pub session_name: String,
    pub therapist_name: String,
    pub client_name: String,
    pub therapist_zone: String,
    pub client_zone: String,
    pub series_id: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub busy_from: i64,
    pub busy_until: i64,
    pub status: String,
    pub free_cancel_hours: i64,
    pub cancelled_by: Option<String>,
    pub cancelled_at: Option<i64>,
    pub cancelled_late: bool,
    pub no_show_therapist: bool,
    pub no_show_client: bool,
    pub sequence: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct AppointmentRow {
    id: String,
    therapist_id: String,
    client_id: String,
    session_type_id: String,
    session_name: String,
    therapist_name: String,
    client_name: String,
    therapist_zone: String,
    client_zone: String,
    series_id: Option<String>,
    starts_at: i64,
    ends_at: i64,
    busy_from: i64,
    busy_until: i64,
    status: String,
    free_cancel_hours: i64,
    cancelled_by: Option<String>,
    cancelled_at: Option<i64>,
    cancelled_late: i64,
    no_show_therapist: i64,
    no_show_client: i64,
    sequence: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<AppointmentRow> for Appointment {
    fn from(r: AppointmentRow) -> Self {
        Self {
            id: r.id,
            therapist_id: r.therapist_id,
            client_id: r.client_id,
            session_type_id: r.session_type_id,
            session_name: r.session_name,
            therapist_name: r.therapist_name,
            client_name: r.client_name,
            therapist_zone: r.therapist_zone,
            client_zone: r.client_zone,
            series_id: r.series_id,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            busy_from: r.busy_from,
            busy_until: r.busy_until,
            status: r.status,
            free_cancel_hours: r.free_cancel_hours,
            cancelled_by: r.cancelled_by,
            cancelled_at: r.cancelled_at,
            cancelled_late: r.cancelled_late != 0,
            no_show_therapist: r.no_show_therapist != 0,
            no_show_client: r.no_show_client != 0,
            sequence: r.sequence,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const APPOINTMENT_SELECT: &str = "SELECT a.id, a.therapist_id, a.client_id, a.session_type_id, st.name AS session_name, \
    t.display_name AS therapist_name, c.display_name AS client_name, t.time_zone AS therapist_zone, \
    c.time_zone AS client_zone, a.series_id, a.starts_at, a.ends_at, a.busy_from, a.busy_until, a.status, \
    a.free_cancel_hours, a.cancelled_by, a.cancelled_at, a.cancelled_late, a.no_show_therapist, a.no_show_client, \
    a.sequence, a.created_at, a.updated_at \
    FROM appointments a JOIN session_types st ON st.id = a.session_type_id \
    JOIN users t ON t.id = a.therapist_id JOIN users c ON c.id = a.client_id";

/// One entry of an appointment's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct AppointmentEvent {
    pub seq: i64,
    pub at: i64,
    /// booked, rescheduled, cancelled, joined, left, completed, no_show.
    pub kind: String,
    /// client, therapist or system.
    pub party: String,
    pub starts_at: i64,
    pub previous_starts_at: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub late: LateFlag,
}

/// A 0/1 column read as a boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct LateFlag(pub bool);

impl From<i64> for LateFlag {
    fn from(v: i64) -> Self {
        LateFlag(v != 0)
    }
}

/// One session to write: its times and the span it keeps from other bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub starts_at: i64,
    pub ends_at: i64,
    pub busy_from: i64,
    pub busy_until: i64,
}

impl Occurrence {
    /// A session of `kind` starting at `start`, with the span its buffers keep.
    pub fn of(
        kind: &rapport_core::schedule::SessionType,
        start: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let padded = kind.padded(start);
        Self {
            starts_at: to_millis(start),
            ends_at: to_millis(kind.end(start)),
            busy_from: to_millis(padded.start),
            busy_until: to_millis(padded.end),
        }
    }
}

/// A booking to make (one session, or each week of a series).
#[derive(Debug, Clone)]
pub struct NewBooking<'a> {
    pub therapist: &'a UserId,
    pub client: &'a UserId,
    pub session_type: &'a str,
    pub occurrences: &'a [Occurrence],
    pub free_cancel_hours: i64,
    /// Who booked: the client, or the therapist on the client's behalf.
    pub party: &'a str,
    pub actor: &'a UserId,
}

/// Live bookings that bear on a new one, read inside the booking's turn.
#[derive(Debug, Clone, Default)]
pub struct Busy {
    /// The therapist's bookings as (busy_from, busy_until).
    pub therapist: Vec<(i64, i64)>,
    /// The client's own sessions (with anyone) as (starts_at, ends_at).
    pub client: Vec<(i64, i64)>,
}

/// How a booking or move ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booked {
    Done(Vec<String>),
    /// The rules said no, with the caller's reason (typically: just taken).
    Refused(String),
}

/// What reliability is computed from, per appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReliabilityRow {
    pub starts_at: i64,
    pub status: String,
    pub therapist_first_joined: Option<i64>,
    pub no_show_therapist: bool,
    pub cancelled_by: Option<String>,
    pub cancelled_at: Option<i64>,
    pub cancelled_late: bool,
}

#[allow(clippy::too_many_arguments)]
async fn add_event(
    tx: &mut crate::Conn,
    appointment: &str,
    at: i64,
    kind: &str,
    party: &str,
    actor: Option<&str>,
    starts_at: i64,
    previous: Option<i64>,
    late: bool,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO appointment_events (id, appointment_id, seq, at, kind, party, actor_id, starts_at, previous_starts_at, late) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM appointment_events WHERE appointment_id = $2), $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(appointment)
    .bind(at)
    .bind(kind)
    .bind(party)
    .bind(actor)
    .bind(starts_at)
    .bind(previous)
    .bind(i64::from(late))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Takes the therapist's booking turn: a write to their settings row, which every
/// booking makes first, so no two bookings for one therapist check and write at once.
async fn take_turn(tx: &mut crate::Conn, therapist: &str) -> Result<()> {
    // A therapist who never saved the booking-rules form has no row yet (the rules fall
    // back to the defaults): create it with those defaults, then take the turn on it.
    let d = Settings::defaults(&UserId(therapist.to_string()));
    sqlx::query(
        "INSERT INTO schedule_settings (therapist_id, min_notice_minutes, horizon_days, step_minutes, free_cancel_hours, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (therapist_id) DO NOTHING",
    )
    .bind(therapist)
    .bind(d.min_notice_minutes)
    .bind(d.horizon_days)
    .bind(d.step_minutes)
    .bind(d.free_cancel_hours)
    .bind(now_ms())
    .execute(&mut *tx)
    .await
    .map_err(|e| StoreError::unique(e, "therapist"))?;
    let done = sqlx::query(
        "UPDATE schedule_settings SET booking_turn = booking_turn + 1 WHERE therapist_id = $1",
    )
    .bind(therapist)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

async fn busy_in(
    tx: &mut crate::Conn,
    therapist: &str,
    client: &str,
    from: i64,
    until: i64,
    except: Option<&str>,
) -> Result<Busy> {
    let except = except.unwrap_or("");
    let therapist_rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT busy_from, busy_until FROM appointments WHERE therapist_id = $1 AND status = 'booked' \
         AND busy_until > $2 AND busy_from < $3 AND id <> $4 \
         AND starts_at > $2 - 86400000 AND starts_at < $3 + 86400000",
    )
    .bind(therapist)
    .bind(from)
    .bind(until)
    .bind(except)
    .fetch_all(&mut *tx)
    .await?;
    let client_rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT starts_at, ends_at FROM appointments WHERE client_id = $1 AND status = 'booked' \
         AND ends_at > $2 AND starts_at < $3 AND id <> $4",
    )
    .bind(client)
    .bind(from)
    .bind(until)
    .bind(except)
    .fetch_all(&mut *tx)
    .await?;
    Ok(Busy {
        therapist: therapist_rows,
        client: client_rows,
    })
}

impl Store {
    pub async fn schedule_settings(&self, therapist: &UserId) -> Result<Option<Settings>> {
        Ok(sqlx::query_as(
            "SELECT therapist_id, min_notice_minutes, horizon_days, step_minutes, free_cancel_hours \
             FROM schedule_settings WHERE therapist_id = $1",
        )
        .bind(therapist.as_str())
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn save_schedule_settings(&self, s: &Settings) -> Result<()> {
        sqlx::query(
            "INSERT INTO schedule_settings (therapist_id, min_notice_minutes, horizon_days, step_minutes, free_cancel_hours, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (therapist_id) DO UPDATE SET \
             min_notice_minutes = excluded.min_notice_minutes, horizon_days = excluded.horizon_days, \
             step_minutes = excluded.step_minutes, free_cancel_hours = excluded.free_cancel_hours, updated_at = excluded.updated_at",
        )
        .bind(&s.therapist_id)
        .bind(s.min_notice_minutes)
        .bind(s.horizon_days)
        .bind(s.step_minutes)
        .bind(s.free_cancel_hours)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn weekly_hours(&self, therapist: &UserId) -> Result<Vec<WeeklyHours>> {
        Ok(sqlx::query_as(
            "SELECT id, weekday, start_minute, end_minute FROM weekly_hours WHERE therapist_id = $1 \
             ORDER BY weekday, start_minute",
        )
        .bind(therapist.as_str())
        .fetch_all(self.pool())
        .await?)
    }

    /// Replaces all weekly hours at once (the form edits the whole week).
    pub async fn replace_weekly_hours(
        &self,
        therapist: &UserId,
        hours: &[(i64, i64, i64)],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM weekly_hours WHERE therapist_id = $1")
            .bind(therapist.as_str())
            .execute(&mut *tx)
            .await?;
        for (weekday, start, end) in hours {
            sqlx::query(
                "INSERT INTO weekly_hours (id, therapist_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(new_id())
            .bind(therapist.as_str())
            .bind(weekday)
            .bind(start)
            .bind(end)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn day_overrides(&self, therapist: &UserId) -> Result<Vec<DayOverride>> {
        Ok(sqlx::query_as(
            "SELECT id, day, start_minute, end_minute FROM day_overrides WHERE therapist_id = $1 ORDER BY day, start_minute",
        )
        .bind(therapist.as_str())
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn add_day_override(
        &self,
        therapist: &UserId,
        day: &str,
        minutes: Option<(i64, i64)>,
    ) -> Result<String> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO day_overrides (id, therapist_id, day, start_minute, end_minute) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(therapist.as_str())
        .bind(day)
        .bind(minutes.map(|m| m.0))
        .bind(minutes.map(|m| m.1))
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// Removes one of the therapist's own overrides; false if they have none by that id.
    pub async fn remove_day_override(&self, therapist: &UserId, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM day_overrides WHERE id = $1 AND therapist_id = $2")
            .bind(id)
            .bind(therapist.as_str())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn time_off(&self, therapist: &UserId) -> Result<Vec<TimeOff>> {
        Ok(sqlx::query_as(
            "SELECT id, starts_at, ends_at FROM time_off WHERE therapist_id = $1 ORDER BY starts_at",
        )
        .bind(therapist.as_str())
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn add_time_off(
        &self,
        therapist: &UserId,
        starts_at: i64,
        ends_at: i64,
    ) -> Result<String> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO time_off (id, therapist_id, starts_at, ends_at, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(therapist.as_str())
        .bind(starts_at)
        .bind(ends_at)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    pub async fn remove_time_off(&self, therapist: &UserId, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM time_off WHERE id = $1 AND therapist_id = $2")
            .bind(id)
            .bind(therapist.as_str())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn session_types(&self, therapist: &UserId) -> Result<Vec<SessionType>> {
        let rows: Vec<SessionTypeRow> = sqlx::query_as(
            "SELECT id, therapist_id, name, minutes, buffer_before, buffer_after, active FROM session_types \
             WHERE therapist_id = $1 ORDER BY created_at, name, id",
        )
        .bind(therapist.as_str())
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(SessionType::from).collect())
    }

    pub async fn session_type(&self, id: &str) -> Result<Option<SessionType>> {
        let row: Option<SessionTypeRow> = sqlx::query_as(
            "SELECT id, therapist_id, name, minutes, buffer_before, buffer_after, active FROM session_types WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(SessionType::from))
    }

    pub async fn add_session_type(
        &self,
        therapist: &UserId,
        name: &str,
        minutes: i64,
        buffer_before: i64,
        buffer_after: i64,
    ) -> Result<String> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO session_types (id, therapist_id, name, minutes, buffer_before, buffer_after, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
        )
        .bind(&id)
        .bind(therapist.as_str())
        .bind(name)
        .bind(minutes)
        .bind(buffer_before)
        .bind(buffer_after)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// Offers a session type to clients or stops offering it (booked sessions keep it).
    pub async fn set_session_type_active(
        &self,
        therapist: &UserId,
        id: &str,
        active: bool,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE session_types SET active = $3 WHERE id = $1 AND therapist_id = $2")
                .bind(id)
                .bind(therapist.as_str())
                .bind(i64::from(active))
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The therapist's live bookings overlapping `[from, until)`, as padded spans,
    /// leaving out `except` (the session being moved, whose own time is free for it).
    pub async fn busy_spans(
        &self,
        therapist: &UserId,
        from: i64,
        until: i64,
        except: Option<&str>,
    ) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT busy_from, busy_until FROM appointments WHERE therapist_id = $1 AND status = 'booked' \
             AND busy_until > $2 AND busy_from < $3 AND id <> $4 ORDER BY busy_from",
        )
        .bind(therapist.as_str())
        .bind(from)
        .bind(until)
        .bind(except.unwrap_or(""))
        .fetch_all(self.pool())
        .await?)
    }

    /// Books every occurrence or none. Inside the therapist's booking turn it reads the
    /// live bookings that could collide and asks `verify` (the scheduling rules) whether
    /// the occurrences are still free; a refusal writes nothing.
    pub async fn book(
        &self,
        b: NewBooking<'_>,
        verify: impl FnOnce(&Busy) -> Result<(), String>,
    ) -> Result<Booked> {
        let (Some(from), Some(until)) = (
            b.occurrences.iter().map(|o| o.busy_from).min(),
            b.occurrences.iter().map(|o| o.busy_until).max(),
        ) else {
            return Ok(Booked::Refused("Choose a time.".into()));
        };
        let mut tx = self.begin_write().await?;
        take_turn(&mut tx, b.therapist.as_str()).await?;
        let busy = busy_in(
            &mut tx,
            b.therapist.as_str(),
            b.client.as_str(),
            from,
            until,
            None,
        )
        .await?;
        if let Err(reason) = verify(&busy) {
            tx.rollback().await?;
            return Ok(Booked::Refused(reason));
        }
        // The first booking begins care; a therapist who ended care is not booked around.
        let care = crate::care::apply(
            &mut tx,
            crate::care::Change {
                client: b.client,
                therapist: b.therapist,
                event: rapport_core::care::CareEvent::Booked,
                party: rapport_core::schedule::policy::Party::Client,
                actor: b.actor,
                event_id: &new_id(),
                reason_sealed: None,
            },
        )
        .await?;
        let care = match care {
            Ok(c) => c,
            Err(refused) => {
                tx.rollback().await?;
                return Ok(Booked::Refused(refused.0.to_string()));
            }
        };
        let now = now_ms();
        let series = (b.occurrences.len() > 1).then(new_id);
        let mut ids = Vec::with_capacity(b.occurrences.len());
        for o in b.occurrences {
            let id = new_id();
            sqlx::query(
                "INSERT INTO appointments (id, therapist_id, client_id, session_type_id, series_id, starts_at, ends_at, \
                 busy_from, busy_until, status, free_cancel_hours, created_at, updated_at, care_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'booked', $10, $11, $11, $12)",
            )
            .bind(&id)
            .bind(b.therapist.as_str())
            .bind(b.client.as_str())
            .bind(b.session_type)
            .bind(series.as_deref())
            .bind(o.starts_at)
            .bind(o.ends_at)
            .bind(o.busy_from)
            .bind(o.busy_until)
            .bind(b.free_cancel_hours)
            .bind(now)
            .bind(&care.id)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "time"))?;
            add_event(
                &mut tx,
                &id,
                now,
                "booked",
                b.party,
                Some(b.actor.as_str()),
                o.starts_at,
                None,
                false,
            )
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(Booked::Done(ids))
    }

    /// Moves a live appointment to `to`, under the same turn and checks as booking.
    pub async fn reschedule(
        &self,
        id: &str,
        to: Occurrence,
        party: &str,
        actor: &UserId,
        verify: impl FnOnce(&Busy) -> Result<(), String>,
    ) -> Result<Booked> {
        let Some(a) = self.appointment(id).await? else {
            return Err(StoreError::NotFound);
        };
        let mut tx = self.begin_write().await?;
        take_turn(&mut tx, &a.therapist_id).await?;
        let busy = busy_in(
            &mut tx,
            &a.therapist_id,
            &a.client_id,
            to.busy_from,
            to.busy_until,
            Some(id),
        )
        .await?;
        if let Err(reason) = verify(&busy) {
            tx.rollback().await?;
            return Ok(Booked::Refused(reason));
        }
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE appointments SET starts_at = $2, ends_at = $3, busy_from = $4, busy_until = $5, \
             sequence = sequence + 1, updated_at = $6 WHERE id = $1 AND status = 'booked' AND starts_at = $7",
        )
        .bind(id)
        .bind(to.starts_at)
        .bind(to.ends_at)
        .bind(to.busy_from)
        .bind(to.busy_until)
        .bind(now)
        .bind(a.starts_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, "time"))?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(Booked::Refused(
                "This session changed in the meantime; please look again.".into(),
            ));
        }
        add_event(
            &mut tx,
            id,
            now,
            "rescheduled",
            party,
            Some(actor.as_str()),
            to.starts_at,
            Some(a.starts_at),
            false,
        )
        .await?;
        tx.commit().await?;
        Ok(Booked::Done(vec![id.to_string()]))
    }

    /// Cancels a live appointment; false if it was no longer live.
    pub async fn cancel_appointment(
        &self,
        id: &str,
        party: &str,
        actor: &UserId,
        late: bool,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE appointments SET status = 'cancelled', cancelled_by = $2, cancelled_at = $3, cancelled_late = $4, \
             sequence = sequence + 1, updated_at = $3 WHERE id = $1 AND status = 'booked'",
        )
        .bind(id)
        .bind(party)
        .bind(now)
        .bind(i64::from(late))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        let starts: i64 = sqlx::query_scalar("SELECT starts_at FROM appointments WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        add_event(
            &mut tx,
            id,
            now,
            "cancelled",
            party,
            Some(actor.as_str()),
            starts,
            None,
            late,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn appointment(&self, id: &str) -> Result<Option<Appointment>> {
        let row: Option<AppointmentRow> =
            sqlx::query_as(&format!("{APPOINTMENT_SELECT} WHERE a.id = $1"))
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(Appointment::from))
    }

    /// Who takes part in an appointment: (therapist, client).
    pub async fn appointment_parties(&self, id: &str) -> Result<Option<(UserId, UserId)>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT therapist_id, client_id FROM appointments WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(t, c)| (UserId(t), UserId(c))))
    }

    /// A person's appointments (as therapist or client) starting within `[from, until)`.
    pub async fn appointments_of(
        &self,
        user: &UserId,
        from: i64,
        until: i64,
    ) -> Result<Vec<Appointment>> {
        let rows: Vec<AppointmentRow> = sqlx::query_as(&format!(
            "{APPOINTMENT_SELECT} WHERE (a.therapist_id = $1 OR a.client_id = $1) AND a.starts_at >= $2 AND a.starts_at < $3 \
             ORDER BY a.starts_at, a.id"
        ))
        .bind(user.as_str())
        .bind(from)
        .bind(until)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Appointment::from).collect())
    }

    pub async fn appointment_events(&self, id: &str) -> Result<Vec<AppointmentEvent>> {
        Ok(sqlx::query_as(
            "SELECT seq, at, kind, party, starts_at, previous_starts_at, late FROM appointment_events \
             WHERE appointment_id = $1 ORDER BY seq, at",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Records that `party` joined or left (`kind` is `joined` or `left`) at `at`.
    pub async fn record_presence(
        &self,
        id: &str,
        party: &str,
        actor: &UserId,
        kind: &str,
        at: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let starts: Option<i64> =
            sqlx::query_scalar("SELECT starts_at FROM appointments WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(starts) = starts else {
            return Err(StoreError::NotFound);
        };
        add_event(
            &mut tx,
            id,
            at,
            kind,
            party,
            Some(actor.as_str()),
            starts,
            None,
            false,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Which sides joined the appointment at least once: (therapist, client).
    pub async fn who_joined(&self, id: &str) -> Result<(bool, bool)> {
        let parties: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT party FROM appointment_events WHERE appointment_id = $1 AND kind = 'joined'",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let joined = |p: &str| parties.iter().any(|x| x == p);
        Ok((joined("therapist"), joined("client")))
    }

    /// Live appointments that ended at or before `ended_by`, for settling.
    pub async fn unsettled(&self, ended_by: i64, limit: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM appointments WHERE status = 'booked' AND ends_at <= $1 ORDER BY ends_at LIMIT $2",
        )
        .bind(ended_by)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Settles an ended appointment as `completed` or `no_show` (with who missed it),
    /// recording the outcome in its history; false if it was already settled.
    pub async fn settle_appointment(
        &self,
        id: &str,
        status: &str,
        no_show_therapist: bool,
        no_show_client: bool,
        at: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE appointments SET status = $2, no_show_therapist = $3, no_show_client = $4, updated_at = $5 \
             WHERE id = $1 AND status = 'booked'",
        )
        .bind(id)
        .bind(status)
        .bind(i64::from(no_show_therapist))
        .bind(i64::from(no_show_client))
        .bind(at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        let starts: i64 = sqlx::query_scalar("SELECT starts_at FROM appointments WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if status == "completed" {
            add_event(
                &mut tx,
                id,
                at,
                "completed",
                "system",
                None,
                starts,
                None,
                false,
            )
            .await?;
        }
        for (missed, party) in [(no_show_therapist, "therapist"), (no_show_client, "client")] {
            if missed {
                add_event(&mut tx, id, at, "no_show", party, None, starts, None, false).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Live appointments starting within `(after, until]` whose reminder `offset_minutes`
    /// before their current start has not been claimed yet.
    pub async fn awaiting_reminder(
        &self,
        after: i64,
        until: i64,
        offset_minutes: i64,
    ) -> Result<Vec<Appointment>> {
        let rows: Vec<AppointmentRow> = sqlx::query_as(&format!(
            "{APPOINTMENT_SELECT} WHERE a.status = 'booked' AND a.starts_at > $1 AND a.starts_at <= $2 \
             AND NOT EXISTS (SELECT 1 FROM reminders_sent r WHERE r.appointment_id = a.id \
             AND r.starts_at = a.starts_at AND r.offset_minutes = $3) ORDER BY a.starts_at"
        ))
        .bind(after)
        .bind(until)
        .bind(offset_minutes)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Appointment::from).collect())
    }

    /// Claims the reminder `offset_minutes` before the appointment's current start; true
    /// exactly once per (appointment, start, offset), however many servers ask.
    pub async fn claim_reminder(
        &self,
        id: &str,
        starts_at: i64,
        offset_minutes: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO reminders_sent (appointment_id, starts_at, offset_minutes, sent_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(starts_at)
        .bind(offset_minutes)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The facts reliability is computed from: the therapist's appointments that started
    /// or were cancelled after `since`.
    pub async fn reliability_rows(
        &self,
        therapist: &UserId,
        since: i64,
    ) -> Result<Vec<ReliabilityRow>> {
        let rows = sqlx::query(
            "SELECT a.starts_at, a.status, a.no_show_therapist, a.cancelled_by, a.cancelled_at, a.cancelled_late, \
             (SELECT MIN(e.at) FROM appointment_events e WHERE e.appointment_id = a.id AND e.party = 'therapist' \
              AND e.kind = 'joined') AS first_join \
             FROM appointments a WHERE a.therapist_id = $1 AND (a.starts_at > $2 OR a.cancelled_at > $2)",
        )
        .bind(therapist.as_str())
        .bind(since)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(ReliabilityRow {
                    starts_at: r.try_get("starts_at")?,
                    status: r.try_get("status")?,
                    therapist_first_joined: r.try_get("first_join")?,
                    no_show_therapist: r.try_get::<i64, _>("no_show_therapist")? != 0,
                    cancelled_by: r.try_get("cancelled_by")?,
                    cancelled_at: r.try_get("cancelled_at")?,
                    cancelled_late: r.try_get::<i64, _>("cancelled_late")? != 0,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Sets (or replaces) the person's calendar feed secret, stored only as its hash.
    pub async fn set_calendar_feed(&self, user: &UserId, token_hash: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
        )
        .bind(user.as_str())
        .bind(token_hash)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn revoke_calendar_feed(&self, user: &UserId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
            .bind(user.as_str())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// When the person's feed was made, if they have one.
    pub async fn calendar_feed_created(&self, user: &UserId) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT created_at FROM calendar_feeds WHERE user_id = $1")
                .bind(user.as_str())
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn calendar_feed_owner(&self, token_hash: &str) -> Result<Option<UserId>> {
        let id: Option<String> =
            sqlx::query_scalar("SELECT user_id FROM calendar_feeds WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(self.pool())
                .await?;
        Ok(id.map(UserId))
    }
}
