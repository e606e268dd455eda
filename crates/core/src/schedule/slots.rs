//! Bookable slots from a therapist's availability. Hours are wall-clock times in the
//! therapist's own zone; every slot is an instant, shown to each person in theirs.

use super::zone::{earliest, latest};
use crate::Invalid;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

/// What everyone who lost a race for a slot is told.
pub const JUST_TAKEN: &str = "That time was just taken. Please choose another.";

/// Minutes in a day: a window may end at 24:00, the midnight that ends its day.
pub const DAY_MINUTES: u16 = 24 * 60;

/// A half-open span of time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Span {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { start, end }
    }

    /// Spans from (start, end) pairs of UTC milliseconds, as the store keeps them.
    pub fn from_millis_pairs(rows: &[(i64, i64)]) -> Vec<Span> {
        rows.iter()
            .map(|(a, b)| Span::new(crate::time::from_millis(*a), crate::time::from_millis(*b)))
            .collect()
    }

    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Weekly working hours on one weekday, as wall-clock minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub weekday: Weekday,
    pub start: u16,
    pub end: u16,
}

/// Different hours on one date: `windows` replaces that weekday's hours (empty: a day off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayOverride {
    pub date: NaiveDate,
    pub windows: Vec<(u16, u16)>,
}

/// A kind of session a client can book, with the buffers kept free around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionType {
    pub minutes: u32,
    pub buffer_before: u32,
    pub buffer_after: u32,
}

impl SessionType {
    /// The time a booking of this type keeps from other bookings.
    pub fn padded(&self, start: DateTime<Utc>) -> Span {
        Span::new(
            start - Duration::minutes(self.buffer_before.into()),
            start + Duration::minutes((self.minutes + self.buffer_after).into()),
        )
    }

    pub fn end(&self, start: DateTime<Utc>) -> DateTime<Utc> {
        start + Duration::minutes(self.minutes.into())
    }
}

/// Everything that decides when a therapist can be booked.
#[derive(Debug, Clone)]
pub struct Availability {
    pub zone: Tz,
    pub weekly: Vec<Window>,
    pub overrides: Vec<DayOverride>,
    /// Time off (holidays, leave): no session may touch it.
    pub time_off: Vec<Span>,
    /// How long before its start a slot can still be booked.
    pub min_notice_minutes: u32,
    /// How far ahead clients may book.
    pub horizon_days: u32,
    /// Slots start every this many minutes from the start of each window.
    pub step_minutes: u32,
}

/// Checks one window's bounds as a person would type them.
pub fn check_window(start: u16, end: u16) -> Result<(), Invalid> {
    if end > DAY_MINUTES || start >= end {
        return Err(Invalid::new(
            "hours",
            "Each block of hours must end after it starts, within the same day (24:00 at the latest).",
        ));
    }
    Ok(())
}

/// Checks a session type's lengths.
pub fn check_session_type(t: &SessionType) -> Result<(), Invalid> {
    if !(10..=240).contains(&t.minutes) {
        return Err(Invalid::new(
            "minutes",
            "A session lasts between 10 and 240 minutes.",
        ));
    }
    if t.buffer_before > 120 || t.buffer_after > 120 {
        return Err(Invalid::new("buffer", "Buffers are at most 120 minutes."));
    }
    Ok(())
}

impl Availability {
    /// The windows that apply on a local date: its override if there is one, else the
    /// weekly hours of its weekday.
    pub fn windows_on(&self, date: NaiveDate) -> Vec<(u16, u16)> {
        if let Some(o) = self.overrides.iter().find(|o| o.date == date) {
            return o.windows.clone();
        }
        self.weekly
            .iter()
            .filter(|w| w.weekday == date.weekday())
            .map(|w| (w.start, w.end))
            .collect()
    }

    /// A window on `date` as instants: it starts the first time the wall clock shows
    /// its start and ends the last time it shows its end, so a window across a
    /// daylight-saving change is an hour shorter or longer in real time, as a person
    /// working those wall-clock hours would expect.
    pub fn window_span(&self, date: NaiveDate, start: u16, end: u16) -> Span {
        let at = |minutes: u16| {
            let days = i64::from(minutes / DAY_MINUTES);
            let rest = u32::from(minutes % DAY_MINUTES);
            (date + Duration::days(days)).and_time(
                NaiveTime::from_num_seconds_from_midnight_opt(rest * 60, 0).unwrap_or_default(),
            )
        };
        Span::new(earliest(self.zone, at(start)), latest(self.zone, at(end)))
    }

    /// The bookable start instants of `kind` within `[from, until)`, given the therapist's
    /// existing bookings as `busy` (each already padded by its own buffers) and the
    /// current time. Sorted, without duplicates.
    pub fn slots(
        &self,
        kind: &SessionType,
        busy: &[Span],
        now: DateTime<Utc>,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        let lo = from.max(now + Duration::minutes(self.min_notice_minutes.into()));
        let hi = until.min(now + Duration::days(self.horizon_days.into()));
        if lo >= hi {
            return Vec::new();
        }
        let step = Duration::minutes(self.step_minutes.max(5).into());
        let length = Duration::minutes(kind.minutes.into());
        // A local date's windows can begin up to a day before or after its UTC date.
        let first = lo.with_timezone(&self.zone).date_naive() - Duration::days(1);
        let last = hi.with_timezone(&self.zone).date_naive() + Duration::days(1);
        let mut out = Vec::new();
        let mut date = first;
        while date <= last {
            for (ws, we) in self.windows_on(date) {
                let window = self.window_span(date, ws, we);
                let mut s = window.start;
                while s + length <= window.end {
                    if s >= lo && s < hi && self.free(kind, busy, s) {
                        out.push(s);
                    }
                    s += step;
                }
            }
            date += Duration::days(1);
        }
        out.sort();
        out.dedup();
        out
    }

    fn free(&self, kind: &SessionType, busy: &[Span], start: DateTime<Utc>) -> bool {
        let session = Span::new(start, kind.end(start));
        let padded = kind.padded(start);
        !busy.iter().any(|b| b.overlaps(&padded))
            && !self.time_off.iter().any(|t| t.overlaps(&session))
    }

    /// Whether `start` is one of the slots offered at `now`: the one rule for showing
    /// and for booking, so a client can book exactly what they were shown.
    pub fn offers(
        &self,
        kind: &SessionType,
        busy: &[Span],
        now: DateTime<Utc>,
        start: DateTime<Utc>,
    ) -> bool {
        self.slots(kind, busy, now, start, start + Duration::milliseconds(1))
            .first()
            == Some(&start)
    }
}

impl Availability {
    /// The check made inside the booking turn, over the bookings read there: every start
    /// is still offered, and the client has nothing else at that time. A start that would
    /// be offered but for other bookings was just taken; one that would never be offered
    /// is simply not available. In a series, the refusal names the week.
    pub fn check_starts(
        &self,
        kind: &SessionType,
        starts: &[DateTime<Utc>],
        now: DateTime<Utc>,
        therapist_busy: &[Span],
        client_busy: &[Span],
    ) -> Result<(), String> {
        for (i, s) in starts.iter().enumerate() {
            let week = |msg: &str| {
                if starts.len() > 1 {
                    format!(
                        "Week {} ({}): {msg}",
                        i + 1,
                        s.with_timezone(&self.zone).format("%a %-d %b")
                    )
                } else {
                    msg.to_string()
                }
            };
            if !self.offers(kind, therapist_busy, now, *s) {
                return Err(if self.offers(kind, &[], now, *s) {
                    week(JUST_TAKEN)
                } else {
                    week("That time is not available. Please choose one of the times shown.")
                });
            }
            let session = Span::new(*s, kind.end(*s));
            if client_busy.iter().any(|c| c.overlaps(&session)) {
                return Err(week("You already have a session at that time."));
            }
        }
        Ok(())
    }
}

/// The starts of a weekly series: the same wall-clock time in `zone` each week, so a
/// 10:00 session stays at 10:00 for the therapist across daylight-saving changes.
/// The first occurrence is `first` itself; if it is the second reading of a repeated
/// hour, later weeks that repeat the hour too take their second reading as well.
pub fn weekly_series(zone: Tz, first: DateTime<Utc>, count: u32) -> Vec<DateTime<Utc>> {
    let local = first.with_timezone(&zone).naive_local();
    let second_reading = earliest(zone, local) != first;
    (0..count)
        .map(|k| {
            if k == 0 {
                return first;
            }
            let t = local + Duration::weeks(k.into());
            if second_reading {
                latest(zone, t)
            } else {
                earliest(zone, t)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn berlin() -> Tz {
        "Europe/Berlin".parse().unwrap()
    }

    fn weekdays(start: u16, end: u16) -> Vec<Window> {
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ]
        .into_iter()
        .map(|weekday| Window {
            weekday,
            start,
            end,
        })
        .collect()
    }

    fn avail() -> Availability {
        Availability {
            zone: berlin(),
            weekly: weekdays(9 * 60, 12 * 60),
            overrides: Vec::new(),
            time_off: Vec::new(),
            min_notice_minutes: 0,
            horizon_days: 365,
            step_minutes: 60,
        }
    }

    const FIFTY: SessionType = SessionType {
        minutes: 50,
        buffer_before: 0,
        buffer_after: 10,
    };

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn a_morning_of_hours_gives_three_sessions_in_local_time() {
        // Tue 1 Dec 2026, Berlin is UTC+1: 09:00, 10:00, 11:00 local.
        let now = utc(2026, 11, 26, 0, 0);
        let got = avail().slots(
            &FIFTY,
            &[],
            now,
            utc(2026, 12, 1, 0, 0),
            utc(2026, 12, 2, 0, 0),
        );
        assert_eq!(
            got,
            vec![
                utc(2026, 12, 1, 8, 0),
                utc(2026, 12, 1, 9, 0),
                utc(2026, 12, 1, 10, 0)
            ]
        );
    }

    #[test]
    fn buffers_keep_sessions_apart() {
        let now = utc(2026, 11, 26, 0, 0);
        let mut a = avail();
        a.step_minutes = 15;
        // Booked 09:00-09:50 local with a 10-minute buffer: next start at 10:00.
        let busy = [FIFTY.padded(utc(2026, 12, 1, 8, 0))];
        let got = a.slots(
            &FIFTY,
            &busy,
            now,
            utc(2026, 12, 1, 0, 0),
            utc(2026, 12, 2, 0, 0),
        );
        assert_eq!(got.first(), Some(&utc(2026, 12, 1, 9, 0)));
        assert!(!got.contains(&utc(2026, 12, 1, 8, 45)));
    }

    #[test]
    fn notice_horizon_overrides_and_time_off() {
        let now = utc(2026, 12, 1, 8, 30);
        let mut a = avail();
        a.min_notice_minutes = 24 * 60;
        a.horizon_days = 3;
        // Wednesday off, Thursday only 14:00-15:00.
        a.overrides = vec![
            DayOverride {
                date: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
                windows: vec![],
            },
            DayOverride {
                date: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
                windows: vec![(14 * 60, 15 * 60)],
            },
        ];
        let got = a.slots(&FIFTY, &[], now, now, now + Duration::days(30));
        // Tuesday is inside the notice; Friday 09:00 (08:00 UTC) is just inside the
        // three-day horizon (08:30 UTC), 10:00 is not.
        assert_eq!(got, vec![utc(2026, 12, 3, 13, 0), utc(2026, 12, 4, 8, 0)]);
        a.time_off = vec![Span::new(utc(2026, 12, 3, 0, 0), utc(2026, 12, 4, 0, 0))];
        assert_eq!(
            a.slots(&FIFTY, &[], now, now, now + Duration::days(30)),
            vec![utc(2026, 12, 4, 8, 0)]
        );
    }

    #[test]
    fn a_series_keeps_the_therapists_wall_clock_across_dst() {
        // 10:00 Berlin on 19 Oct 2026 (CEST, 08:00 UTC); a week later it is CET (09:00 UTC).
        let s = weekly_series(berlin(), utc(2026, 10, 19, 8, 0), 2);
        assert_eq!(s, vec![utc(2026, 10, 19, 8, 0), utc(2026, 10, 26, 9, 0)]);
    }

    #[test]
    fn offers_agrees_with_slots() {
        let now = utc(2026, 11, 26, 0, 0);
        let a = avail();
        assert!(a.offers(&FIFTY, &[], now, utc(2026, 12, 1, 9, 0)));
        assert!(!a.offers(&FIFTY, &[], now, utc(2026, 12, 1, 9, 30)));
        assert!(
            !a.offers(&FIFTY, &[], now, utc(2026, 12, 5, 9, 0)),
            "Saturday"
        );
    }
}
