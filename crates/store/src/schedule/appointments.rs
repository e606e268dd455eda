//! Appointments as read afterwards: one or a person's, their history, presence and
//! settling, reminders, reliability facts, and calendar feeds.

use super::booking::add_event;
use super::*;
use crate::{now_ms, Result, Store, StoreError};
use rapport_core::UserId;
use sqlx::Row;

/// An appointment, read inside the caller's transaction.
pub async fn appointment_in(conn: &mut crate::Conn, id: &str) -> Result<Option<Appointment>> {
    let row: Option<AppointmentRow> =
        sqlx::query_as(&format!("{APPOINTMENT_SELECT} WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(Appointment::from))
}

/// Claims the reminder of (session, start, offset) inside the caller's transaction; false
/// if it was claimed before (by this server or another).
pub async fn claim_reminder(
    conn: &mut crate::Conn,
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
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

impl Store {
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
        let mut conn = self.pool().acquire().await?;
        claim_reminder(&mut conn, id, starts_at, offset_minutes).await
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
