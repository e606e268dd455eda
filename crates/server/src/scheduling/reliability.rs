//! A therapist's reliability, measured from recorded sessions (rules in `core`).

use crate::platform::error::AppResult;
use crate::platform::state::AppState;
use chrono::{DateTime, Duration, Utc};
use rapport_core::schedule::policy::{Party, Status};
use rapport_core::schedule::{AppointmentFacts, Reliability};
use rapport_core::time::{from_millis, to_millis};
use rapport_core::UserId;

/// The therapist's reliability now and its weekly trend.
pub async fn reliability(
    state: &AppState,
    therapist: &UserId,
    now: DateTime<Utc>,
    weeks: u32,
) -> AppResult<(Reliability, Vec<(DateTime<Utc>, Reliability)>)> {
    let since = now
        - Duration::days(rapport_core::schedule::reliability::WINDOW_DAYS)
        - Duration::weeks(weeks.into());
    let facts: Vec<AppointmentFacts> = state
        .store
        .reliability_rows(therapist, to_millis(since))
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(AppointmentFacts {
                start: from_millis(r.starts_at),
                status: Status::parse(&r.status)?,
                therapist_first_joined: r.therapist_first_joined.map(from_millis),
                no_show_therapist: r.no_show_therapist,
                cancelled_by: r.cancelled_by.as_deref().and_then(Party::parse),
                cancelled_at: r.cancelled_at.map(from_millis),
                cancelled_late: r.cancelled_late,
            })
        })
        .collect();
    Ok((
        Reliability::measure(&facts, now),
        Reliability::trend(&facts, now, weeks),
    ))
}
