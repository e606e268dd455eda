//! Scheduling's background work: settling sessions that ended, and reminders.

use super::mail;
use crate::platform::error::AppResult;
use crate::platform::state::AppState;
use chrono::{DateTime, Utc};
use rapport_core::schedule::policy::{settle, Party};
use rapport_core::time::to_millis;

/// Settles every booked session that ended by `now` from who joined it.
pub async fn settle_due(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let mut n = 0;
    for id in state.store.unsettled(to_millis(now), 200).await? {
        let (therapist, client) = state.store.who_joined(&id).await?;
        let (status, missing) = settle(therapist, client);
        if state
            .store
            .settle_appointment(
                &id,
                status.as_str(),
                missing.contains(&Party::Therapist),
                missing.contains(&Party::Client),
                to_millis(now),
            )
            .await?
        {
            n += 1;
        }
    }
    Ok(n)
}

/// Sends the reminders due at `now`. Each (session, start, offset) is claimed once, so
/// several servers never send it twice and a claimed one is not looked at again. Only the
/// nearest due reminder is mailed (a server that was down does not send a stale
/// "tomorrow" next to "in an hour"); the others are claimed silently, as is any that fell
/// due before the booking or move itself, which was its own notice.
pub async fn send_reminders(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let mut offsets = state.config.reminders.clone();
    offsets.sort_unstable();
    offsets.dedup();
    let mut sent = 0;
    for (i, &minutes) in offsets.iter().enumerate() {
        let minutes = i64::from(minutes);
        let until = to_millis(now) + minutes * 60_000;
        for a in state
            .store
            .awaiting_reminder(to_millis(now), until, minutes)
            .await?
        {
            // The claim and the mail are one transaction: a crash between them loses
            // neither, and never sends twice.
            let mut tx = state.store.begin_write().await?;
            if !rapport_store::schedule::claim_reminder(&mut tx, &a.id, a.starts_at, minutes)
                .await?
            {
                continue;
            }
            let nearer_due = offsets[..i]
                .iter()
                .any(|&m| a.starts_at <= to_millis(now) + i64::from(m) * 60_000);
            // A live appointment was last changed by its booking or its latest move.
            let due_at = a.starts_at - minutes * 60_000;
            if !nearer_due && a.updated_at <= due_at {
                mail::appointment_reminder(state, &mut tx, &a).await?;
                sent += 1;
            }
            tx.commit().await?;
        }
    }
    if sent > 0 {
        state.mail_wakeup.notify_one();
    }
    Ok(sent)
}
