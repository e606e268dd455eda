//! Part 2 setup: people, a therapist's availability saved through the store and read back
//! with the server's `load`, one booking as the server makes it from the store call on,
//! and a tally of how attempts ended.

use crate::year::{override_rows, time_off_spans, FIFTY};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use rapport_core::schedule::policy::Party;
use rapport_core::schedule::slots::{self, JUST_TAKEN};
use rapport_core::time::to_millis;
use rapport_core::{DisplayName, Email, Pronouns, Role, TimeZoneName, UserId};
use rapport_server::platform::state::AppState;
use rapport_server::scheduling::availability::{kind_of, load, Schedule};
use rapport_server::scheduling::booking::verify;
use rapport_store::schedule::{Booked, NewBooking, Occurrence, SessionType, Settings};
use rapport_store::users::{NewUser, User};
use rapport_store::StoreError;
use std::sync::Arc;

/// An account in `role`, e-mail confirmed, living in `zone`.
pub async fn person(
    state: &AppState,
    email: &str,
    name: &str,
    zone: &str,
    role: Role,
) -> Result<User> {
    let email = Email::parse(email)?;
    Ok(state
        .store
        .create_user(NewUser {
            email: &email,
            password_hash: "$argon2id$bench-placeholder".into(),
            display_name: &DisplayName::parse(name)?,
            pronouns: &Pronouns::parse(None)?,
            time_zone: &TimeZoneName::parse(zone)?,
            role,
            email_verified: true,
        })
        .await?)
}

/// A therapist's schedule as the server loads it, with the one session type booked.
pub struct Therapist {
    pub schedule: Schedule,
    pub session_type: SessionType,
    pub kind: slots::SessionType,
}

impl Therapist {
    pub fn user(&self) -> &User {
        &self.schedule.therapist
    }
}

/// Creates a therapist and saves their availability through the store's own methods:
/// settings (24 h notice, 366 days ahead, starts every 30 minutes), weekly hours,
/// optionally the overrides and time off of the year benchmark, and one session type of
/// 50 minutes with a 10-minute buffer; then reads it all back with the server's `load`.
pub async fn therapist(
    state: &AppState,
    email: &str,
    zone: &str,
    hours: &[(i64, i64, i64)],
    extras: bool,
) -> Result<Therapist> {
    let store = &state.store;
    let user = person(state, email, "Bench Therapist", zone, Role::Therapist).await?;
    store
        .save_schedule_settings(&Settings {
            therapist_id: user.id.as_str().to_string(),
            min_notice_minutes: 24 * 60,
            horizon_days: 366,
            step_minutes: 30,
            free_cancel_hours: 24,
        })
        .await?;
    store.replace_weekly_hours(&user.id, hours).await?;
    if extras {
        let tz = user.time_zone().tz();
        let today = Utc::now().with_timezone(&tz).date_naive();
        for (date, window) in override_rows(today) {
            store
                .add_day_override(&user.id, &date.format("%Y-%m-%d").to_string(), window)
                .await?;
        }
        for span in time_off_spans(tz, today) {
            store
                .add_time_off(&user.id, to_millis(span.start), to_millis(span.end))
                .await?;
        }
    }
    let id = store
        .add_session_type(&user.id, "Individual session", FIFTY.0, FIFTY.1, FIFTY.2)
        .await?;
    let schedule = load(state, &user.id)
        .await
        .context("load the therapist's schedule")?;
    let session_type = schedule
        .offered_type(&id)
        .context("the session type just added")?
        .clone();
    Ok(Therapist {
        kind: kind_of(&session_type),
        schedule,
        session_type,
    })
}

/// Everything one booking needs; cheap to clone into tasks.
#[derive(Clone)]
pub struct Booker {
    state: AppState,
    therapist: Arc<Therapist>,
    free_cancel_hours: i64,
}

impl Booker {
    /// A booker for `t`, whose schedule it keeps (loaded once, as of the start).
    pub fn new(state: &AppState, t: Therapist) -> Self {
        Self {
            state: state.clone(),
            free_cancel_hours: i64::from(t.schedule.policy().free_until_hours),
            therapist: Arc::new(t),
        }
    }

    pub fn therapist(&self) -> &Therapist {
        &self.therapist
    }

    /// One session booked as `rapport_server::scheduling::booking::book` books it from the
    /// store call on: `Store::book` with the server's `verify` run inside the booking turn.
    pub async fn book(&self, client: &UserId, start: DateTime<Utc>) -> Result<Booked, StoreError> {
        let t = &*self.therapist;
        let starts = [start];
        let occurrences = [Occurrence::of(&t.kind, start)];
        let now = Utc::now();
        self.state
            .store
            .book(
                NewBooking {
                    therapist: &t.user().id,
                    client,
                    session_type: &t.session_type.id,
                    occurrences: &occurrences,
                    free_cancel_hours: self.free_cancel_hours,
                    party: Party::Client.as_str(),
                    actor: client,
                },
                |busy| verify(&t.schedule.availability, &t.kind, &starts, now, busy),
            )
            .await
    }
}

/// How booking attempts ended.
#[derive(Default)]
pub struct Tally {
    pub done: usize,
    pub just_taken: usize,
    pub refused: usize,
    pub conflict: usize,
    pub errors: usize,
    pub first_problem: Option<String>,
}

impl Tally {
    pub fn add(&mut self, r: &Result<Booked, StoreError>) {
        match r {
            Ok(Booked::Done(_)) => self.done += 1,
            Ok(Booked::Refused(why)) if why == JUST_TAKEN => self.just_taken += 1,
            Ok(Booked::Refused(why)) => {
                self.refused += 1;
                self.first_problem
                    .get_or_insert_with(|| format!("refused: {why}"));
            }
            // The unique index caught what the turn should have prevented.
            Err(StoreError::Conflict(_)) => {
                self.conflict += 1;
                self.first_problem
                    .get_or_insert_with(|| "unique index conflict".into());
            }
            Err(e) => {
                self.errors += 1;
                self.first_problem
                    .get_or_insert_with(|| format!("error: {e}"));
            }
        }
    }

    pub fn merge(&mut self, o: Tally) {
        self.done += o.done;
        self.just_taken += o.just_taken;
        self.refused += o.refused;
        self.conflict += o.conflict;
        self.errors += o.errors;
        if self.first_problem.is_none() {
            self.first_problem = o.first_problem;
        }
    }

    pub fn failed(&self) -> usize {
        self.refused + self.conflict + self.errors
    }
}
