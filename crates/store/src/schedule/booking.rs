//! Booking, moving and cancelling under the per-therapist booking turn: each change
//! re-reads what bears on it inside its transaction, checks it with the caller's rule,
//! and writes the appointment and its history together.

use super::*;
use crate::{new_id, now_ms, Result, Store, StoreError, Tx};
use rapport_core::UserId;

#[allow(clippy::too_many_arguments)]
pub(super) async fn add_event(
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

/// Books every occurrence or none, inside the caller's transaction (so the caller can
/// queue the mails in it too). Inside the therapist's booking turn it reads the live
/// bookings that could collide and asks `verify` (the scheduling rules) whether the
/// occurrences are still free. On a refusal the caller must not commit.
pub async fn book(
    tx: &mut Tx,
    b: NewBooking<'_>,
    verify: impl FnOnce(&Busy) -> Result<(), String>,
) -> Result<Booked> {
    let (Some(from), Some(until)) = (
        b.occurrences.iter().map(|o| o.busy_from).min(),
        b.occurrences.iter().map(|o| o.busy_until).max(),
    ) else {
        return Ok(Booked::Refused("Choose a time.".into()));
    };
    take_turn(tx, b.therapist.as_str()).await?;
    let busy = busy_in(
        tx,
        b.therapist.as_str(),
        b.client.as_str(),
        from,
        until,
        None,
    )
    .await?;
    if let Err(reason) = verify(&busy) {
        return Ok(Booked::Refused(reason));
    }
    // The first booking begins care; a therapist who ended care is not booked around.
    let care = crate::care::apply(
        tx,
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
        Err(refused) => return Ok(Booked::Refused(refused.0.to_string())),
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
            .execute(&mut **tx)
            .await
            .map_err(|e| StoreError::unique(e, "time"))?;
        add_event(
            tx,
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
    Ok(Booked::Done(ids))
}

/// Moves a live appointment to `to` inside the caller's transaction, under the same turn
/// and checks as booking. On a refusal the caller must not commit.
pub async fn reschedule(
    tx: &mut Tx,
    id: &str,
    to: Occurrence,
    party: &str,
    actor: &UserId,
    verify: impl FnOnce(&Busy) -> Result<(), String>,
) -> Result<Booked> {
    let Some(a) = super::appointments::appointment_in(tx, id).await? else {
        return Err(StoreError::NotFound);
    };
    take_turn(tx, &a.therapist_id).await?;
    let busy = busy_in(
        tx,
        &a.therapist_id,
        &a.client_id,
        to.busy_from,
        to.busy_until,
        Some(id),
    )
    .await?;
    if let Err(reason) = verify(&busy) {
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
        .execute(&mut **tx)
        .await
        .map_err(|e| StoreError::unique(e, "time"))?;
    if done.rows_affected() == 0 {
        return Ok(Booked::Refused(
            "This session changed in the meantime; please look again.".into(),
        ));
    }
    add_event(
        tx,
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
    Ok(Booked::Done(vec![id.to_string()]))
}

/// Cancels a live appointment inside the caller's transaction; false if it was no longer
/// live (then nothing was written).
pub async fn cancel(
    tx: &mut Tx,
    id: &str,
    party: &str,
    actor: &UserId,
    late: bool,
) -> Result<bool> {
    let now = now_ms();
    let done = sqlx::query(
            "UPDATE appointments SET status = 'cancelled', cancelled_by = $2, cancelled_at = $3, cancelled_late = $4, \
             sequence = sequence + 1, updated_at = $3 WHERE id = $1 AND status = 'booked'",
        )
        .bind(id)
        .bind(party)
        .bind(now)
        .bind(i64::from(late))
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let starts: i64 = sqlx::query_scalar("SELECT starts_at FROM appointments WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    add_event(
        tx,
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
    Ok(true)
}

impl Store {
    /// [`book`] in a transaction of its own (committed only when it booked).
    pub async fn book(
        &self,
        b: NewBooking<'_>,
        verify: impl FnOnce(&Busy) -> Result<(), String>,
    ) -> Result<Booked> {
        let mut tx = self.begin_write().await?;
        let out = book(&mut tx, b, verify).await?;
        if matches!(out, Booked::Done(_)) {
            tx.commit().await?;
        }
        Ok(out)
    }

    /// [`reschedule`] in a transaction of its own (committed only when it moved).
    pub async fn reschedule(
        &self,
        id: &str,
        to: Occurrence,
        party: &str,
        actor: &UserId,
        verify: impl FnOnce(&Busy) -> Result<(), String>,
    ) -> Result<Booked> {
        let mut tx = self.begin_write().await?;
        let out = reschedule(&mut tx, id, to, party, actor, verify).await?;
        if matches!(out, Booked::Done(_)) {
            tx.commit().await?;
        }
        Ok(out)
    }

    /// [`cancel`] in a transaction of its own.
    pub async fn cancel_appointment(
        &self,
        id: &str,
        party: &str,
        actor: &UserId,
        late: bool,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let out = cancel(&mut tx, id, party, actor, late).await?;
        if out {
            tx.commit().await?;
        }
        Ok(out)
    }
}
