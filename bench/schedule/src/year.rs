//! The therapists' hours the benchmarks use, and bookings spread over or packed into a
//! year of them.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rapport_core::schedule::slots::{Availability, DayOverride, SessionType, Span, Window};
use rapport_core::schedule::zone;
use rapport_server::scheduling::availability::weekday;

/// 50-minute sessions with a 10-minute buffer after each.
pub const FIFTY: (i64, i64, i64) = (50, 0, 10);

/// Mon–Fri 09:00–12:00 and 13:00–17:00, as (weekday 0 = Monday, start, end) minutes.
pub fn office_hours() -> Vec<(i64, i64, i64)> {
    (0..5)
        .flat_map(|d| [(d, 9 * 60, 12 * 60), (d, 13 * 60, 17 * 60)])
        .collect()
}

/// Round the clock, every day: the therapist the throughput run books, so that a few
/// seconds of bookings do not run out of free slots within the 366-day horizon (about
/// 8,700 distinct 50-minute sessions with their buffers).
pub fn all_hours() -> Vec<(i64, i64, i64)> {
    (0..7).map(|d| (d, 0, 24 * 60)).collect()
}

/// A few dates with other hours (days off, a short day, a Saturday, a long day), as
/// (date, window) rows the way the store keeps them: `None` is the whole day off.
pub fn override_rows(today: NaiveDate) -> Vec<(NaiveDate, Option<(i64, i64)>)> {
    let d = |n: i64| today + Duration::days(n);
    vec![
        (d(14), None),
        (d(28), Some((9 * 60, 12 * 60))),
        (d(29), None),
        (d(95), Some((10 * 60, 14 * 60))),
        (d(150), Some((13 * 60, 19 * 60))),
        (d(200), None),
    ]
}

/// Time off: a week, three weeks in summer, and a day-long conference from noon to noon.
pub fn time_off_spans(zone: Tz, today: NaiveDate) -> Vec<Span> {
    let at = |n: i64| zone::start_of_day(zone, today + Duration::days(n));
    vec![
        Span::new(at(30), at(37)),
        Span::new(at(120) + Duration::hours(12), at(121) + Duration::hours(12)),
        Span::new(at(220), at(241)),
    ]
}

/// The year-long availability of the in-memory benchmark, built directly (the database
/// benchmark saves the same hours and reads them back with the server's `load`).
pub fn year_availability(zone: Tz, today: NaiveDate) -> Availability {
    let overrides: Vec<DayOverride> = override_rows(today)
        .into_iter()
        .map(|(date, window)| DayOverride {
            date,
            windows: window
                .map(|(s, e)| (s as u16, e as u16))
                .into_iter()
                .collect(),
        })
        .collect();
    Availability {
        zone,
        weekly: office_hours()
            .into_iter()
            .map(|(d, s, e)| Window {
                weekday: weekday(d),
                start: s as u16,
                end: e as u16,
            })
            .collect(),
        overrides,
        time_off: time_off_spans(zone, today),
        min_notice_minutes: 24 * 60,
        horizon_days: 366,
        step_minutes: 30,
    }
}

/// Up to `n` starts of free slots in the next year, none overlapping another with its
/// buffer, drawn at random: bookings spread over the year as they would be.
pub fn spread_bookings(
    a: &Availability,
    kind: &SessionType,
    busy: &[Span],
    now: DateTime<Utc>,
    from: DateTime<Utc>,
    n: usize,
    rng: &mut StdRng,
) -> Vec<DateTime<Utc>> {
    let mut free = a.slots(kind, busy, now, from, now + Duration::days(365));
    free.shuffle(rng);
    let mut taken: Vec<Span> = Vec::with_capacity(n);
    let mut starts = Vec::with_capacity(n);
    for s in free {
        if starts.len() == n {
            break;
        }
        let p = kind.padded(s);
        if !taken.iter().any(|t| t.overlaps(&p)) {
            taken.push(p);
            starts.push(s);
        }
    }
    starts.sort();
    starts
}

/// Free slots of the next year from `from`, packed as tightly as the rules allow (each
/// the first free start after the previous session and its buffer): the most distinct
/// bookings one therapist can take.
pub fn packed(a: &Availability, kind: &SessionType, from: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let now = Utc::now();
    let mut out: Vec<DateTime<Utc>> = Vec::new();
    let mut free_from = from;
    for s in a.slots(kind, &[], now, from, now + Duration::days(365)) {
        if kind.padded(s).start >= free_from {
            out.push(s);
            free_from = kind.padded(s).end;
        }
    }
    out
}
