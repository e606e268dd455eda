//! Booking, moving, cancelling and attending sessions. Every change goes through the
//! store's booking turn, which re-checks the slot with the rule from `core` inside the
//! transaction, so a slot is never given twice.

use super::appointments::{appointment_for, policy_of, still_booked};
use super::availability::{
    check_licensed, kind_of, load, JOIN_EARLY_MINUTES, JUST_TAKEN, MAX_WEEKS,
};
use super::mail;
use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::state::AppState;
use crate::privacy::consent::{self, Service};
use chrono::{DateTime, Duration, Utc};
use rapport_core::schedule::policy::Party;
use rapport_core::schedule::slots::{self, Availability, Span};
use rapport_core::time::{from_millis, to_millis};
use rapport_core::{Invalid, Role, UserId};
use rapport_store::schedule::{self, Booked, Busy, NewBooking, Occurrence};
use rapport_store::StoreError;

/// The check inside the booking turn, over the bookings the store read there.
pub fn verify(
    a: &Availability,
    kind: &slots::SessionType,
    starts: &[DateTime<Utc>],
    now: DateTime<Utc>,
    busy: &Busy,
) -> Result<(), String> {
    a.check_starts(
        kind,
        starts,
        now,
        &Span::from_millis_pairs(&busy.therapist),
        &Span::from_millis_pairs(&busy.client),
    )
}

fn booked(outcome: Result<Booked, StoreError>) -> AppResult<Vec<String>> {
    match outcome {
        Ok(Booked::Done(ids)) => Ok(ids),
        Ok(Booked::Refused(reason)) => Err(AppError::Conflict(reason)),
        // The unique index caught what the turn should already have prevented.
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict(JUST_TAKEN.into())),
        Err(e) => Err(e.into()),
    }
}

/// Books `weeks` weekly sessions (1 for a single one) starting at `start`, all or none.
pub async fn book(
    state: &AppState,
    client: &Actor,
    therapist: &UserId,
    session_type: &str,
    start: DateTime<Utc>,
    weeks: u32,
) -> AppResult<Vec<String>> {
    if client.role() != Role::Client {
        return Err(AppError::Forbidden);
    }
    if !(1..=MAX_WEEKS).contains(&weeks) {
        return Err(Invalid::new(
            "weeks",
            format!("Book between 1 and {MAX_WEEKS} weekly sessions."),
        )
        .into());
    }
    consent::require(state, &client.user.id, Service::Booking).await?;
    check_licensed(state, therapist, &client.user.id).await?;
    let s = load(state, therapist).await?;
    let t = s.offered_type(session_type)?;
    let kind = kind_of(t);
    let starts = slots::weekly_series(s.zone(), start, weeks);
    let occurrences: Vec<Occurrence> = starts.iter().map(|x| Occurrence::of(&kind, *x)).collect();
    let now = Utc::now();
    let policy = s.policy();
    // The booking and its mails are one transaction: both happen, or neither.
    let mut tx = state.store.begin_write().await?;
    let ids = booked(
        schedule::book(
            &mut tx,
            NewBooking {
                therapist,
                client: &client.user.id,
                session_type: &t.id,
                occurrences: &occurrences,
                free_cancel_hours: i64::from(policy.free_until_hours),
                party: Party::Client.as_str(),
                actor: &client.user.id,
            },
            |busy| verify(&s.availability, &kind, &starts, now, busy),
        )
        .await,
    )?;
    if let Some(first) = ids.first() {
        if let Some(a) = schedule::appointment_in(&mut tx, first).await? {
            mail::appointment_booked(state, &mut tx, &a, ids.len()).await?;
        }
    }
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(ids)
}

/// Moves a booked session to `to`, before the policy's deadline only.
pub async fn reschedule(
    state: &AppState,
    actor: &Actor,
    id: &str,
    to: DateTime<Utc>,
) -> AppResult<()> {
    let (a, party) = appointment_for(state, actor, id).await?;
    still_booked(&a)?;
    let now = Utc::now();
    let policy = policy_of(&a);
    if !policy.may_reschedule(now, from_millis(a.starts_at)) {
        return Err(AppError::Refused(format!(
            "It is less than {} hours before the session, so it can no longer be moved. You can still cancel it; that is recorded as a late cancellation.",
            policy.free_until_hours
        )));
    }
    let s = load(state, &UserId(a.therapist_id.clone())).await?;
    let t = s
        .types
        .iter()
        .find(|t| t.id == a.session_type_id)
        .ok_or(AppError::NotFound)?;
    let kind = kind_of(t);
    let starts = [to];
    let mut tx = state.store.begin_write().await?;
    booked(
        schedule::reschedule(
            &mut tx,
            id,
            Occurrence::of(&kind, to),
            party.as_str(),
            &actor.user.id,
            |busy| verify(&s.availability, &kind, &starts, now, busy),
        )
        .await,
    )?;
    if let Some(moved) = schedule::appointment_in(&mut tx, id).await? {
        mail::appointment_moved(state, &mut tx, &moved, party, from_millis(a.starts_at)).await?;
    }
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(())
}

/// Cancels a booked session; returns whether the cancellation was late.
pub async fn cancel(state: &AppState, actor: &Actor, id: &str) -> AppResult<bool> {
    cancel_as(state, actor, id, false).await
}

/// Cancels a client's booked session because they are erasing their account: it is not
/// their late cancellation (they are leaving, not missing a session), and only the
/// therapist is told (the client's address is about to be erased).
pub async fn cancel_for_erasure(state: &AppState, client: &Actor, id: &str) -> AppResult<()> {
    cancel_as(state, client, id, true).await.map(|_| ())
}

async fn cancel_as(state: &AppState, actor: &Actor, id: &str, erasure: bool) -> AppResult<bool> {
    let (a, party) = appointment_for(state, actor, id).await?;
    still_booked(&a)?;
    if from_millis(a.ends_at) <= Utc::now() {
        return Err(AppError::Refused("This session has already ended.".into()));
    }
    let late = !erasure && policy_of(&a).is_late(Utc::now(), from_millis(a.starts_at));
    let mut tx = state.store.begin_write().await?;
    if !schedule::cancel(&mut tx, id, party.as_str(), &actor.user.id, late).await? {
        return Err(AppError::Refused(
            "This session is no longer booked.".into(),
        ));
    }
    let spare = erasure.then_some(&actor.user.id);
    mail::appointment_cancelled(state, &mut tx, &a, party, late, spare).await?;
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(late)
}

/// Records that the actor joined (`joined`) or left (`left`) the session at `now`.
pub async fn presence(
    state: &AppState,
    actor: &Actor,
    id: &str,
    joined: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (a, party) = appointment_for(state, actor, id).await?;
    still_booked(&a)?;
    let opens = from_millis(a.starts_at) - Duration::minutes(JOIN_EARLY_MINUTES);
    let closes = from_millis(a.ends_at);
    if joined && (now < opens || now > closes) {
        return Err(AppError::Refused(format!(
            "You can join from {JOIN_EARLY_MINUTES} minutes before the start until the end of the session."
        )));
    }
    let kind = if joined { "joined" } else { "left" };
    state
        .store
        .record_presence(id, party.as_str(), &actor.user.id, kind, to_millis(now))
        .await?;
    Ok(())
}
