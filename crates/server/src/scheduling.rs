//! Scheduling as a service: availability as therapists set it, slots as clients see
//! them, and booking, moving, cancelling, joining and settling appointments. Every rule
//! comes from `rapport_core::schedule`; every change goes through the store's booking
//! turn, so a slot is never given twice.

use crate::auth::Actor;
use crate::consent::{self, Service};
use crate::directory as dir;
use crate::error::{AppError, AppResult};
use crate::mail;
use crate::state::AppState;
use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use rapport_core::directory::Jurisdiction;
use rapport_core::schedule::policy::{settle, CancellationPolicy, Party, Status};
use rapport_core::schedule::slots::{self, Availability, DayOverride, Span, Window};
use rapport_core::schedule::{ics, AppointmentFacts, Reliability};
use rapport_core::time::{from_millis, to_millis};
use rapport_core::{Invalid, Role, UserId};
use rapport_store::schedule::{
    Appointment, Booked, Busy, NewBooking, Occurrence, SessionType, Settings,
};
use rapport_store::users::User;
use rapport_store::StoreError;

pub use rapport_core::schedule::slots::JUST_TAKEN;
/// The longest weekly series booked at once.
pub const MAX_WEEKS: u32 = 12;
/// How early before the start the session page lets people join.
pub const JOIN_EARLY_MINUTES: i64 = 15;

/// A therapist's availability with the settings it came from.
pub struct Schedule {
    pub therapist: User,
    pub settings: Settings,
    pub availability: Availability,
    pub types: Vec<SessionType>,
}

impl Schedule {
    pub fn policy(&self) -> CancellationPolicy {
        CancellationPolicy {
            free_until_hours: self.settings.free_cancel_hours.clamp(0, 24 * 14) as u32,
        }
    }

    pub fn zone(&self) -> Tz {
        self.availability.zone
    }

    /// One of the therapist's session types that clients can book.
    pub fn offered_type(&self, id: &str) -> AppResult<&SessionType> {
        self.types
            .iter()
            .find(|t| t.id == id && t.active)
            .ok_or_else(|| {
                Invalid::new(
                    "session_type",
                    "Choose one of the therapist's session types.",
                )
                .into()
            })
    }
}

pub fn kind_of(t: &SessionType) -> slots::SessionType {
    slots::SessionType {
        minutes: t.minutes.clamp(1, 24 * 60) as u32,
        buffer_before: t.buffer_before.clamp(0, 24 * 60) as u32,
        buffer_after: t.buffer_after.clamp(0, 24 * 60) as u32,
    }
}

pub fn weekday(n: i64) -> Weekday {
    Weekday::try_from(n.clamp(0, 6) as u8).unwrap_or(Weekday::Mon)
}

pub fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Loads a therapist's schedule (defaults if they never saved settings).
pub async fn load(state: &AppState, therapist: &UserId) -> AppResult<Schedule> {
    let user = state
        .store
        .user(therapist)
        .await?
        .filter(|u| u.role == Role::Therapist && u.erased_at.is_none())
        .ok_or(AppError::NotFound)?;
    let settings = state
        .store
        .schedule_settings(therapist)
        .await?
        .unwrap_or_else(|| Settings::defaults(therapist));
    let weekly = state
        .store
        .weekly_hours(therapist)
        .await?
        .into_iter()
        .map(|h| Window {
            weekday: weekday(h.weekday),
            start: h.start_minute.clamp(0, 1440) as u16,
            end: h.end_minute.clamp(0, 1440) as u16,
        })
        .collect();
    let mut overrides: Vec<DayOverride> = Vec::new();
    for o in state.store.day_overrides(therapist).await? {
        let Some(d) = date(&o.day) else { continue };
        let i = match overrides.iter().position(|x| x.date == d) {
            Some(i) => i,
            None => {
                overrides.push(DayOverride {
                    date: d,
                    windows: Vec::new(),
                });
                overrides.len() - 1
            }
        };
        if let (Some(s), Some(e)) = (o.start_minute, o.end_minute) {
            overrides[i]
                .windows
                .push((s.clamp(0, 1440) as u16, e.clamp(0, 1440) as u16));
        }
    }
    let time_off = state
        .store
        .time_off(therapist)
        .await?
        .into_iter()
        .map(|t| Span::new(from_millis(t.starts_at), from_millis(t.ends_at)))
        .collect();
    let availability = Availability {
        zone: user.time_zone().tz(),
        weekly,
        overrides,
        time_off,
        min_notice_minutes: settings.min_notice_minutes.clamp(0, 60 * 24 * 60) as u32,
        horizon_days: settings.horizon_days.clamp(1, 366) as u32,
        step_minutes: settings.step_minutes.clamp(5, 240) as u32,
    };
    let types = state.store.session_types(therapist).await?;
    Ok(Schedule {
        therapist: user,
        settings,
        availability,
        types,
    })
}

/// The slots of `kind` offered within `[from, until)` right now; `moving` is a session
/// being moved, whose own time does not count as taken.
pub async fn offered(
    state: &AppState,
    s: &Schedule,
    kind: &SessionType,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
    moving: Option<&str>,
) -> AppResult<Vec<DateTime<Utc>>> {
    let busy = state
        .store
        .busy_spans(
            &s.therapist.id,
            to_millis(from - Duration::days(1)),
            to_millis(until + Duration::days(1)),
            moving,
        )
        .await?;
    Ok(s.availability.slots(
        &kind_of(kind),
        &Span::from_millis_pairs(&busy),
        now,
        from,
        until,
    ))
}

/// The client's location, which licensure is checked against.
pub async fn client_place(state: &AppState, client: &UserId) -> AppResult<Option<Jurisdiction>> {
    Ok(state
        .store
        .location(client)
        .await?
        .and_then(|(c, r)| Jurisdiction::parse(&c, r.as_deref()).ok()))
}

/// Refuses unless the therapist is listed (a verified license that counts today) and
/// licensed where the client will be.
pub async fn check_licensed(
    state: &AppState,
    therapist: &UserId,
    client: &UserId,
) -> AppResult<()> {
    let licenses = dir::listed_licenses(state, therapist).await?;
    let today = dir::today();
    let Some(place) = client_place(state, client).await? else {
        return Err(AppError::Refused(
            "Tell us where you will be during sessions first (on the Find your match page), so we can check the therapist is licensed there."
                .into(),
        ));
    };
    if !dir::licensed_for(&licenses, &place, today) {
        return Err(AppError::Refused(format!(
            "This therapist is not licensed in {}, where you will be during sessions, so they cannot see you there.",
            place.name()
        )));
    }
    Ok(())
}

/// The check inside the booking turn, over the bookings the store read there.
fn verify(
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
    let ids = booked(
        state
            .store
            .book(
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
        if let Some(a) = state.store.appointment(first).await? {
            mail::appointment_booked(state, &a, ids.len()).await?;
        }
    }
    Ok(ids)
}

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

fn still_booked(a: &Appointment) -> AppResult<()> {
    if a.status != Status::Booked.as_str() {
        return Err(AppError::Refused(
            "This session is no longer booked.".into(),
        ));
    }
    Ok(())
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
    booked(
        state
            .store
            .reschedule(
                id,
                Occurrence::of(&kind, to),
                party.as_str(),
                &actor.user.id,
                |busy| verify(&s.availability, &kind, &starts, now, busy),
            )
            .await,
    )?;
    if let Some(moved) = state.store.appointment(id).await? {
        mail::appointment_moved(state, &moved, party, from_millis(a.starts_at)).await?;
    }
    Ok(())
}

/// Cancels a booked session; returns whether the cancellation was late.
pub async fn cancel(state: &AppState, actor: &Actor, id: &str) -> AppResult<bool> {
    let (a, party) = appointment_for(state, actor, id).await?;
    still_booked(&a)?;
    if from_millis(a.ends_at) <= Utc::now() {
        return Err(AppError::Refused("This session has already ended.".into()));
    }
    let late = policy_of(&a).is_late(Utc::now(), from_millis(a.starts_at));
    if !state
        .store
        .cancel_appointment(id, party.as_str(), &actor.user.id, late)
        .await?
    {
        return Err(AppError::Refused(
            "This session is no longer booked.".into(),
        ));
    }
    mail::appointment_cancelled(state, &a, party, late).await?;
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
            if !state
                .store
                .claim_reminder(&a.id, a.starts_at, minutes)
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
                mail::appointment_reminder(state, &a).await?;
                sent += 1;
            }
        }
    }
    Ok(sent)
}

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
