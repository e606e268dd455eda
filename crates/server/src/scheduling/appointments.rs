//! Appointments as their two parties see them: which side someone is on, the policy an
//! appointment was booked under, and its link and calendar entry (nothing clinical).

use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::state::AppState;
use chrono::{DateTime, Duration, Utc};
use rapport_core::schedule::ics;
use rapport_core::schedule::policy::{CancellationPolicy, Party, Status};
use rapport_core::time::{from_millis, to_millis};
use rapport_store::schedule::Appointment;
use rapport_store::users::User;

/// Which side of `a` the actor is on; anyone else is told it does not exist.
pub fn party_of(actor: &Actor, a: &Appointment) -> AppResult<Party> {
    if actor.user.id.as_str() == a.therapist_id {
        Ok(Party::Therapist)
    } else if actor.user.id.as_str() == a.client_id {
        Ok(Party::Client)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn appointment_for(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> AppResult<(Appointment, Party)> {
    let a = state
        .store
        .appointment(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = party_of(actor, &a)?;
    Ok((a, p))
}

pub fn policy_of(a: &Appointment) -> CancellationPolicy {
    CancellationPolicy {
        free_until_hours: a.free_cancel_hours.clamp(0, 24 * 14) as u32,
    }
}

pub(crate) fn still_booked(a: &Appointment) -> AppResult<()> {
    if a.status != Status::Booked.as_str() {
        return Err(AppError::Refused(
            "This session is no longer booked.".into(),
        ));
    }
    Ok(())
}

/// The page where a session is joined: the link calendars and e-mails carry.
pub fn join_link(state: &AppState, id: &str) -> String {
    state.config.link(&format!("/appointments/{id}"))
}

/// A session as a calendar event: "Therapy session" and its link, nothing clinical.
pub fn event(state: &AppState, a: &Appointment) -> ics::Event {
    let link = join_link(state, &a.id);
    ics::Event {
        uid: format!(
            "{}@{}",
            a.id,
            state.config.base_url.host_str().unwrap_or("rapport")
        ),
        start: from_millis(a.starts_at),
        end: from_millis(a.ends_at),
        summary: "Therapy session".into(),
        description: format!("Join: {link}"),
        url: link,
        cancelled: a.status == Status::Cancelled.as_str(),
        sequence: a.sequence.clamp(0, i64::from(u32::MAX)) as u32,
        updated: from_millis(a.updated_at),
    }
}

/// A person's calendar: sessions from 30 days ago to a year ahead, in their zone.
pub async fn calendar_for(state: &AppState, user: &User, now: DateTime<Utc>) -> AppResult<String> {
    let list = state
        .store
        .appointments_of(
            &user.id,
            to_millis(now - Duration::days(30)),
            to_millis(now + Duration::days(400)),
        )
        .await?;
    let events: Vec<ics::Event> = list.iter().map(|a| event(state, a)).collect();
    Ok(ics::calendar(
        "Rapport sessions",
        user.time_zone().tz(),
        &events,
        now,
    ))
}
