//! A therapist's availability as clients see it: the schedule they set (weekly hours,
//! date overrides, time off, session types) turned into the slots on offer, and the
//! licensure check that comes before any booking.

use crate::directory::service as dir;
use crate::platform::error::{AppError, AppResult};
use crate::platform::state::AppState;
use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use rapport_core::directory::Jurisdiction;
use rapport_core::schedule::policy::CancellationPolicy;
use rapport_core::schedule::slots::{self, Availability, DayOverride, Span, Window};
use rapport_core::time::{from_millis, to_millis};
use rapport_core::{Invalid, Role, UserId};
use rapport_store::schedule::{SessionType, Settings};
use rapport_store::users::User;

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

/// The years scheduling accepts: anything outside is a typing mistake or an attack, and
/// arithmetic near the ends of the calendar's range would overflow.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A date as forms and links write it (`2026-12-01`), within [`YEARS`].
pub fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&chrono::Datelike::year(d)))
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

/// An instant as the API writes it (RFC 3339), within the years scheduling accepts.
pub fn parse_instant(field: &'static str, raw: &str) -> AppResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .filter(|d| YEARS.contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            Invalid::new(field, "Give a time like 2026-12-01T09:00:00Z (RFC 3339).").into()
        })
}
