//! The mails of scheduling: booked, moved, cancelled and reminders, to both sides, each
//! with the time in the reader's own zone and nothing clinical.

use super::appointments::{join_link, policy_of};
use crate::platform::error::AppResult;
use crate::platform::mail::queue_in;
use crate::platform::state::AppState;
use rapport_store::users::User;
use rapport_store::Tx;

/// The two people of an appointment, each with the other's name and their own zone.
async fn parties(
    tx: &mut Tx,
    a: &rapport_store::schedule::Appointment,
) -> AppResult<Vec<(User, String)>> {
    let mut out = Vec::new();
    for (id, other) in [
        (&a.client_id, &a.therapist_name),
        (&a.therapist_id, &a.client_name),
    ] {
        if let Some(u) =
            rapport_store::users::user_in(tx, &rapport_core::UserId(id.clone())).await?
        {
            if u.erased_at.is_none() {
                out.push((u, other.clone()));
            }
        }
    }
    Ok(out)
}

fn when(u: &User, ms: i64) -> String {
    rapport_core::schedule::zone::label(rapport_core::time::from_millis(ms), u.time_zone().tz())
}

/// Sent to both sides when a session (or a weekly series) is booked.
pub async fn appointment_booked(
    state: &AppState,
    tx: &mut Tx,
    a: &rapport_store::schedule::Appointment,
    weeks: usize,
) -> AppResult<()> {
    let link = join_link(state, &a.id);
    let policy = policy_of(a).text();
    for (u, other) in parties(tx, a).await? {
        let series = if weeks > 1 {
            format!(" It is the first of {weeks} weekly sessions at this time.")
        } else {
            String::new()
        };
        let body = format!(
            "Hello {name},\n\nA therapy session with {other} is booked for {at}.{series}\n\n\
             Join, move or cancel it here: {link}\n\n{policy}",
            name = u.display_name,
            at = when(&u, a.starts_at),
        );
        queue_in(state, tx, &u.email, "Therapy session booked", body).await?;
    }
    Ok(())
}

/// Sent to both sides when a session is moved (so each has the new time in writing).
pub async fn appointment_moved(
    state: &AppState,
    tx: &mut Tx,
    a: &rapport_store::schedule::Appointment,
    by: rapport_core::schedule::Party,
    from: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let link = join_link(state, &a.id);
    for (u, other) in parties(tx, a).await? {
        let body = format!(
            "Hello {name},\n\nYour therapy session with {other} has moved from {old} to {new} ({who}).\n\nDetails: {link}",
            name = u.display_name,
            old = when(&u, rapport_core::time::to_millis(from)),
            new = when(&u, a.starts_at),
            who = match by {
                rapport_core::schedule::Party::Client => "moved by the client",
                rapport_core::schedule::Party::Therapist => "moved by the therapist",
            },
        );
        queue_in(state, tx, &u.email, "Therapy session moved", body).await?;
    }
    Ok(())
}

/// Sent to both sides when a session is cancelled.
pub async fn appointment_cancelled(
    state: &AppState,
    tx: &mut Tx,
    a: &rapport_store::schedule::Appointment,
    by: rapport_core::schedule::Party,
    late: bool,
    spare: Option<&rapport_core::UserId>,
) -> AppResult<()> {
    for (u, other) in parties(tx, a).await? {
        if spare == Some(&u.id) {
            continue;
        }
        let late_note = if late {
            " The cancellation came after the free-cancellation deadline, so it is recorded as late."
        } else {
            ""
        };
        // Only the client books; the therapist is pointed at their calendar instead.
        let next = if u.id.as_str() == a.client_id {
            format!(
                "You can book another time from the therapist's profile: {}",
                state
                    .config
                    .link(&format!("/therapists/{}", a.therapist_id))
            )
        } else {
            format!(
                "Your calendar: {}",
                state.config.link("/therapist/calendar")
            )
        };
        let body = format!(
            "Hello {name},\n\nThe therapy session with {other} on {at} was cancelled by the {who}.{late_note}\n\n{next}",
            name = u.display_name,
            at = when(&u, a.starts_at),
            who = by.as_str(),
        );
        queue_in(state, tx, &u.email, "Therapy session cancelled", body).await?;
    }
    Ok(())
}

/// A reminder to both sides before a session.
pub async fn appointment_reminder(
    state: &AppState,
    tx: &mut Tx,
    a: &rapport_store::schedule::Appointment,
) -> AppResult<()> {
    let link = join_link(state, &a.id);
    for (u, other) in parties(tx, a).await? {
        let body = format!(
            "Hello {name},\n\nA reminder: your therapy session with {other} is at {at}.\n\n\
             Join here when it is time (from 15 minutes before): {link}",
            name = u.display_name,
            at = when(&u, a.starts_at),
        );
        queue_in(state, tx, &u.email, "Reminder: therapy session", body).await?;
    }
    Ok(())
}
