//! Property tests of the scheduling code: slots, wall-clock resolution, labels, weekly
//! series and time-zone transitions, over every zone of the database and with dates
//! chosen on and around daylight-saving changes.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone,
    Timelike, Utc, Weekday,
};
use chrono_tz::{OffsetComponents, OffsetName, Tz, TZ_VARIANTS};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;
use rapport_core::schedule::slots::weekly_series;
use rapport_core::schedule::{ics, zone, Availability, DayOverride, SessionType, Span, Window};
use std::collections::BTreeSet;

/// Zones that must always be in the mix: ordinary DST on both sides of the Atlantic, a
/// 30-minute DST, a skipped day, no DST at all, and a half-hour offset with DST.
const SPECIAL: &[&str] = &[
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "Asia/Kolkata",
    "America/St_Johns",
    // Clocks go back from 01:00 to midnight: the first hour of a day happens twice.
    "Atlantic/Azores",
    "America/Havana",
    // Clocks change at midnight.
    "America/Santiago",
];

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn tz(name: &str) -> Tz {
    name.parse().expect("a zone of the database")
}

fn midnight_utc(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
}

fn minutes(m: i64) -> Duration {
    Duration::minutes(m)
}

// ---------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------

fn special_zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(SPECIAL).prop_map(tz)
}

fn any_zone() -> BoxedStrategy<Tz> {
    prop_oneof![
        2 => prop::sample::select(&TZ_VARIANTS[..]),
        1 => special_zone(),
    ]
    .boxed()
}

/// The instants in calendar year `year` (UTC) at which `tz` changes offset or name.
fn year_transitions(tz: Tz, year: i32) -> Vec<DateTime<Utc>> {
    let start = |y: i32| midnight_utc(NaiveDate::from_ymd_opt(y, 1, 1).expect("1 January"));
    ics::transitions(tz, start(year), start(year + 1))
}

fn day_of_year(year: i32, ordinal: u32) -> NaiveDate {
    let days = if NaiveDate::from_ymd_opt(year, 12, 31)
        .expect("31 December")
        .ordinal()
        == 366
    {
        366
    } else {
        365
    };
    NaiveDate::from_yo_opt(year, ordinal % days + 1).expect("a day of the year")
}

/// A transition of `tz` in `year`, or none when the zone kept its offset all year.
fn pick_transition(tz: Tz, year: i32, i: Index) -> Option<DateTime<Utc>> {
    let ts = year_transitions(tz, year);
    (!ts.is_empty()).then(|| ts[i.index(ts.len())])
}

/// A zone and a local date in it: random, on or next to one of the zone's transitions in
/// a random year, or around the day Samoa skipped.
fn zone_and_day() -> BoxedStrategy<(Tz, NaiveDate)> {
    let random =
        (any_zone(), 1990i32..2037, 0u32..366).prop_map(|(z, y, o)| (z, day_of_year(y, o)));
    let shift = prop_oneof![2 => Just(0i64), 1 => -1i64..=1];
    let near_dst = (any_zone(), 1990i32..2037, any::<Index>(), shift, 0u32..366).prop_map(
        |(z, y, i, shift, o)| match pick_transition(z, y, i) {
            Some(t) => (z, t.with_timezone(&z).date_naive() + Duration::days(shift)),
            None => (z, day_of_year(y, o)),
        },
    );
    let apia = (-2i64..=2).prop_map(|k| {
        (
            tz("Pacific/Apia"),
            NaiveDate::from_ymd_opt(2011, 12, 30).expect("date") + Duration::days(k),
        )
    });
    prop_oneof![2 => random, 5 => near_dst, 1 => apia].boxed()
}

/// Zones whose clocks went back from 01:00 to midnight, so that the first hour of a
/// day happened twice (and a window ending at 24:00 runs into it).
const REPEATED_MIDNIGHT: &[&str] = &[
    "Atlantic/Azores",
    "America/Scoresbysund",
    "America/Havana",
    "Asia/Amman",
    "Asia/Damascus",
    "Asia/Gaza",
];

/// One of those zones and the local date just before one of its transitions, when the
/// clocks went back if they did that year.
fn repeated_midnight_day() -> BoxedStrategy<(Tz, NaiveDate)> {
    (
        prop::sample::select(REPEATED_MIDNIGHT).prop_map(tz),
        1990i32..2037,
        any::<Index>(),
        0u32..366,
    )
        .prop_map(|(z, y, i, o)| {
            let all = year_transitions(z, y);
            let back: Vec<_> = all
                .iter()
                .copied()
                .filter(|&t| offset_seconds(z, t) < offset_seconds(z, t - Duration::seconds(1)))
                .collect();
            let pool = if back.is_empty() { all } else { back };
            if pool.is_empty() {
                return (z, day_of_year(y, o));
            }
            let t = pool[i.index(pool.len())];
            (z, (t - Duration::seconds(1)).with_timezone(&z).date_naive())
        })
        .boxed()
}

/// A zone and a whole-minute instant: random, or within three hours of a transition.
fn zone_and_instant() -> BoxedStrategy<(Tz, DateTime<Utc>)> {
    let random = (zone_and_day(), 0i64..1440).prop_map(|((z, d), m)| {
        (
            z,
            zone::earliest(z, d.and_hms_opt(0, 0, 0).expect("midnight")) + minutes(m),
        )
    });
    let near =
        (any_zone(), 1990i32..2037, any::<Index>(), -180i64..=180).prop_map(|(z, y, i, m)| {
            match pick_transition(z, y, i) {
                Some(t) => (z, t + minutes(m)),
                None => (z, midnight_utc(day_of_year(y, 0)) + minutes(m)),
            }
        });
    let apia = (-3000i64..3000).prop_map(|m| {
        let jump = Utc.with_ymd_and_hms(2011, 12, 30, 10, 0, 0).unwrap();
        (tz("Pacific/Apia"), jump + minutes(m))
    });
    prop_oneof![1 => random, 3 => near, 1 => apia].boxed()
}

/// A minute of the day for the edge of a window, often one near the usual DST hours.
fn boundary() -> impl Strategy<Value = u16> {
    prop_oneof![
        prop::sample::select(vec![
            0u16, 30, 60, 90, 120, 150, 180, 210, 240, 540, 1020, 1380, 1410, 1440
        ]),
        0u16..=1440,
    ]
}

/// Up to three non-overlapping windows on one day, often one across the small hours
/// when most zones change their clocks.
fn day_windows() -> impl Strategy<Value = Vec<(u16, u16)>> {
    let night = (0u16..=150, 151u16..=1440, 0u16..=1440).prop_map(|(a, b, c)| {
        let mut v = vec![a, b];
        if c > b {
            v.extend([c, (c + 60).min(1440)]);
        }
        v
    });
    // Evening hours up to 24:00, and perhaps a late start after midnight.
    let evening = (1080u16..=1430, 0u16..=240).prop_map(|(a, b)| vec![a, 1440, b / 2, b]);
    let any = prop::collection::vec(boundary(), 0..=6);
    prop_oneof![3 => any, 2 => night, 2 => evening].prop_map(|mut v| {
        v.sort_unstable();
        v.dedup();
        if v.len() % 2 == 1 {
            v.pop();
        }
        v.chunks(2).map(|c| (c[0], c[1])).collect()
    })
}

fn weekly() -> impl Strategy<Value = Vec<Window>> {
    prop::collection::vec(day_windows(), 7).prop_map(|days| {
        days.into_iter()
            .zip(WEEKDAYS)
            .flat_map(|(ws, weekday)| {
                ws.into_iter().map(move |(start, end)| Window {
                    weekday,
                    start,
                    end,
                })
            })
            .collect()
    })
}

fn session_type() -> impl Strategy<Value = SessionType> {
    let buffer = || prop_oneof![Just(0u32), 0u32..=30, 0u32..=120];
    (
        prop_oneof![
            prop::sample::select(vec![30u32, 45, 50, 60, 90]),
            10u32..=240
        ],
        buffer(),
        buffer(),
    )
        .prop_map(|(minutes, buffer_before, buffer_after)| SessionType {
            minutes,
            buffer_before,
            buffer_after,
        })
}

fn step() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => prop::sample::select(vec![5u32, 10, 15, 20, 30, 45, 60, 90]),
        1 => 0u32..=120,
    ]
}

/// Spans around the middle day, as (minutes after its UTC midnight, length).
fn spans(max: usize) -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((-2880i64..=4320, 10i64..=600), 0..=max)
}

#[derive(Debug, Clone)]
struct Scenario {
    avail: Availability,
    kind: SessionType,
    busy: Vec<Span>,
    now: DateTime<Utc>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    day: NaiveDate,
}

impl Scenario {
    fn slots(&self) -> Vec<DateTime<Utc>> {
        self.avail
            .slots(&self.kind, &self.busy, self.now, self.from, self.until)
    }

    /// Every slot bookable at `now`, whatever the requested range.
    fn all_slots(&self) -> Vec<DateTime<Utc>> {
        let horizon = Duration::days(self.avail.horizon_days.into());
        self.avail.slots(
            &self.kind,
            &self.busy,
            self.now,
            self.now - Duration::days(1),
            self.now + horizon + Duration::days(1),
        )
    }
}

fn scenario() -> BoxedStrategy<Scenario> {
    let overrides = prop::option::of((-1i64..=1, day_windows()));
    let rules = (
        weekly(),
        overrides,
        session_type(),
        step(),
        prop_oneof![Just(0u32), 0u32..=3000],
        prop_oneof![Just(30u32), 0u32..=30],
    );
    let times = (
        spans(4),
        spans(2),
        -5 * 1440i64..=1440,
        -2 * 1440i64..=1440,
        0i64..=4 * 1440,
        // Sometimes start the range near a transition, so that it begins inside a
        // repeated or skipped hour.
        prop::option::weighted(0.5, (any::<Index>(), -180i64..=180)),
    );
    let days = prop_oneof![3 => zone_and_day(), 1 => repeated_midnight_day()];
    (days, rules, times)
        .prop_map(
            |(
                (zone, day),
                (weekly, ov, kind, step_minutes, notice, horizon),
                (busy, off, now, from, len, near),
            )| {
                let mid = midnight_utc(day);
                let to_spans = |v: Vec<(i64, i64)>| {
                    v.into_iter()
                        .map(|(a, l)| Span::new(mid + minutes(a), mid + minutes(a + l)))
                        .collect::<Vec<_>>()
                };
                let overrides = ov
                    .map(|(k, windows)| DayOverride {
                        date: day + Duration::days(k),
                        windows,
                    })
                    .into_iter()
                    .collect();
                let around =
                    ics::transitions(zone, mid - Duration::days(2), mid + Duration::days(2));
                let from = match near {
                    Some((i, m)) if !around.is_empty() => {
                        around[i.index(around.len())] + minutes(m)
                    }
                    _ => mid + minutes(from),
                };
                Scenario {
                    avail: Availability {
                        zone,
                        weekly,
                        overrides,
                        time_off: to_spans(off),
                        min_notice_minutes: notice,
                        horizon_days: horizon,
                        step_minutes,
                    },
                    kind,
                    busy: to_spans(busy),
                    now: mid + minutes(now),
                    from,
                    until: from + minutes(len),
                    day,
                }
            },
        )
        .boxed()
}

// ---------------------------------------------------------------------------------
// Helpers for the checks
// ---------------------------------------------------------------------------------

fn step_of(a: &Availability) -> i64 {
    i64::from(a.step_minutes.max(5)) * 60
}

/// Whether `s` lies on the slot grid of some window of its local date (or the day
/// before or after) with the whole session inside the window.
fn in_some_window(a: &Availability, s: DateTime<Utc>, length: Duration) -> bool {
    let local = s.with_timezone(&a.zone).date_naive();
    (-1..=1).any(|k| {
        let date = local + Duration::days(k);
        a.windows_on(date).into_iter().any(|(ws, we)| {
            let w = a.window_span(date, ws, we);
            w.start <= s && s + length <= w.end && (s - w.start).num_seconds() % step_of(a) == 0
        })
    })
}

/// The (offset, DST part, name) of `tz` at `t`: what `ics::transitions` watches.
fn state(tz: Tz, t: DateTime<Utc>) -> (i32, i64, String) {
    let o = tz.offset_from_utc_datetime(&t.naive_utc());
    (
        o.fix().local_minus_utc(),
        o.dst_offset().num_seconds(),
        t.with_timezone(&tz).format("%Z").to_string(),
    )
}

fn offset_seconds(tz: Tz, t: DateTime<Utc>) -> i64 {
    i64::from(
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}

fn wall(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

/// The abbreviation a person sees: the zone's own, or "+03" / "+0530" where it has none.
fn expected_abbreviation(tz: Tz, t: DateTime<Utc>) -> String {
    let o = tz.offset_from_utc_datetime(&t.naive_utc());
    if let Some(name) = o.abbreviation() {
        return name.to_string();
    }
    let total = o.fix().local_minus_utc();
    let sign = if total < 0 { '-' } else { '+' };
    let m = total.unsigned_abs() / 60;
    if m.is_multiple_of(60) {
        format!("{sign}{:02}", m / 60)
    } else {
        format!("{sign}{:02}{:02}", m / 60, m % 60)
    }
}

/// Checks `zone::label` for one instant and one reader's zone.
fn check_label(t: DateTime<Utc>, client: Tz) -> Result<(), TestCaseError> {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let local = wall(client, t);
    let abbr = expected_abbreviation(client, t);
    let want = format!(
        "{} {} {} {}, {:02}:{:02} {}",
        DAYS[local.weekday().num_days_from_monday() as usize],
        local.day(),
        MONTHS[local.month0() as usize],
        local.year(),
        local.hour(),
        local.minute(),
        abbr
    );
    let got = zone::label(t, client);
    prop_assert_eq!(&got, &want, "label of {} in {}", t, client.name());
    prop_assert_eq!(zone::abbreviation(t, client), abbr.as_str());
    // Re-reading the wall time with the offset in force gives the instant back.
    let shown = local.with_second(0).expect("second 0");
    let back = shown - Duration::seconds(offset_seconds(client, t));
    prop_assert_eq!(
        Utc.from_utc_datetime(&back),
        t.with_second(0).expect("second 0")
    );
    // The wall time is a real reading of the zone, and where it was read twice the
    // abbreviations (when they differ) pick the right one.
    let t0 = Utc.from_utc_datetime(&back);
    match client.from_local_datetime(&shown) {
        LocalResult::Single(d) => prop_assert_eq!(d.with_timezone(&Utc), t0),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            prop_assert!(a == t0 || b == t0, "{} is neither reading", t0);
            let matching: Vec<_> = [a, b]
                .into_iter()
                .filter(|&x| expected_abbreviation(client, x) == abbr)
                .collect();
            prop_assert!(matching.contains(&t0));
        }
        LocalResult::None => prop_assert!(false, "{} shown as a wall time that never was", t),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(192))]

    /// 1 and 2: every slot lies in a window of its local date, lasts exactly the session,
    /// and keeps to notice, horizon, range, bookings with their buffers, and time off.
    #[test]
    fn slots_are_sound(sc in scenario()) {
        let got = sc.slots();
        let a = &sc.avail;
        let length = minutes(sc.kind.minutes.into());
        for w in got.windows(2) {
            prop_assert!(w[0] < w[1], "not strictly increasing: {} then {}", w[0], w[1]);
        }
        let notice = sc.now + minutes(a.min_notice_minutes.into());
        let horizon = sc.now + Duration::days(a.horizon_days.into());
        for &s in &got {
            prop_assert!(in_some_window(a, s, length), "{} is in no window", s);
            prop_assert_eq!(sc.kind.end(s) - s, length);
            prop_assert!(s >= notice, "{} inside the notice (from {})", s, notice);
            prop_assert!(s < horizon, "{} beyond the horizon ({})", s, horizon);
            prop_assert!(s >= sc.from && s < sc.until, "{} outside the range", s);
            let padded = sc.kind.padded(s);
            prop_assert!(!sc.busy.iter().any(|b| b.overlaps(&padded)), "{} meets a booking", s);
            let session = Span::new(s, sc.kind.end(s));
            prop_assert!(!a.time_off.iter().any(|t| t.overlaps(&session)), "{} meets time off", s);
        }
    }

    /// 4: another booking never adds a slot, and removes exactly those it meets.
    #[test]
    fn a_booking_only_removes_slots(sc in scenario(), (at, len) in (-2880i64..=4320, 10i64..=600)) {
        let before = sc.slots();
        let mid = midnight_utc(sc.day);
        let extra = Span::new(mid + minutes(at), mid + minutes(at + len));
        let mut busy = sc.busy.clone();
        busy.push(extra);
        let after = sc.avail.slots(&sc.kind, &busy, sc.now, sc.from, sc.until);
        let kept: Vec<_> = before
            .iter()
            .copied()
            .filter(|&s| !sc.kind.padded(s).overlaps(&extra))
            .collect();
        prop_assert_eq!(after, kept);
    }

    /// 2, the other way round: notice, horizon, range, bookings and time off remove
    /// exactly the slots they rule out from those of the same hours without them (over
    /// a much wider range, so a range that starts inside a repeated or skipped hour
    /// misses none of its slots).
    #[test]
    fn limits_remove_exactly_what_they_rule_out(sc in scenario()) {
        let a = &sc.avail;
        let free = Availability {
            time_off: Vec::new(),
            min_notice_minutes: 0,
            horizon_days: 400,
            ..a.clone()
        };
        let long_ago = sc.now - Duration::days(30);
        let notice = sc.now + minutes(a.min_notice_minutes.into());
        let horizon = sc.now + Duration::days(a.horizon_days.into());
        let wide = Duration::days(3);
        let want: Vec<_> = free
            .slots(&sc.kind, &[], long_ago, sc.from - wide, sc.until + wide)
            .into_iter()
            .filter(|&s| {
                let session = Span::new(s, sc.kind.end(s));
                s >= sc.from
                    && s < sc.until
                    && s >= notice
                    && s < horizon
                    && !sc.busy.iter().any(|b| b.overlaps(&sc.kind.padded(s)))
                    && !a.time_off.iter().any(|t| t.overlaps(&session))
            })
            .collect();
        prop_assert_eq!(sc.slots(), want);
    }

    /// 5: `offers` accepts every slot shown (every slot of the days around the chosen
    /// one, whatever range was asked for), and refuses a minute later unless that is a
    /// slot too; for any instant it agrees with the full list.
    #[test]
    fn offers_agrees_with_slots(sc in scenario(), probes in prop::collection::vec(-2880i64..=4320, 0..8)) {
        let all: BTreeSet<_> = sc.all_slots().into_iter().collect();
        for s in sc.slots() {
            prop_assert!(all.contains(&s), "{} shown for the range but not in the full list", s);
        }
        let mid = midnight_utc(sc.day);
        for &s in all.range(mid - Duration::days(2)..mid + Duration::days(2)) {
            prop_assert!(sc.avail.offers(&sc.kind, &sc.busy, sc.now, s), "{} shown but not offered", s);
            let later = s + minutes(1);
            prop_assert_eq!(
                sc.avail.offers(&sc.kind, &sc.busy, sc.now, later),
                all.contains(&later),
                "{} a minute after a slot", later
            );
        }
        for p in probes {
            let t = mid + minutes(p);
            prop_assert_eq!(sc.avail.offers(&sc.kind, &sc.busy, sc.now, t), all.contains(&t), "{}", t);
        }
    }

    /// 6: a slot shown in any other zone reads as that zone's wall time and abbreviation,
    /// and that reading leads back to the same instant.
    #[test]
    fn slot_labels_in_any_zone(sc in scenario(), client in any_zone()) {
        for s in sc.slots().into_iter().take(40) {
            check_label(s, client)?;
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// 3: on days without bookings, time off or notice, each window holds every start
    /// on its grid: floor((real length - session) / step) + 1 of them, where the real
    /// length is an hour (or 30 minutes, or a day) off on days the clocks change.
    #[test]
    fn every_window_is_filled(
        (zone, day) in zone_and_day(),
        weekly in weekly(),
        ov in prop::option::of((-1i64..=1, day_windows())),
        minutes_ in prop_oneof![prop::sample::select(vec![30u32, 45, 50, 60, 90]), 10u32..=240],
        step_minutes in step(),
    ) {
        let overrides = ov
            .map(|(k, windows)| DayOverride { date: day + Duration::days(k), windows })
            .into_iter()
            .collect();
        let a = Availability {
            zone,
            weekly,
            overrides,
            time_off: Vec::new(),
            min_notice_minutes: 0,
            horizon_days: 400,
            step_minutes,
        };
        let kind = SessionType { minutes: minutes_, buffer_before: 0, buffer_after: 0 };
        let mid = midnight_utc(day);
        let now = mid - Duration::days(10);
        let got: BTreeSet<_> = a
            .slots(&kind, &[], now, mid - Duration::days(3), mid + Duration::days(4))
            .into_iter()
            .collect();
        let step = step_of(&a);
        let length = i64::from(minutes_) * 60;
        for date in [day - Duration::days(1), day, day + Duration::days(1)] {
            for (ws, we) in a.windows_on(date) {
                let w = a.window_span(date, ws, we);
                // The span runs from the first time the wall clock shows the start to
                // the last time it shows the end (24:00 being the next midnight).
                let at = |m: u16| {
                    (date + Duration::days((m / 1440).into())).and_hms_opt(0, 0, 0).expect("midnight")
                        + minutes((m % 1440).into())
                };
                prop_assert_eq!(w.start, zone::earliest(zone, at(ws)));
                prop_assert_eq!(w.end, zone::latest(zone, at(we)));
                let real = (w.end - w.start).num_seconds();
                let want = if real >= length { (real - length) / step + 1 } else { 0 };
                let have = got
                    .iter()
                    .filter(|&&s| {
                        w.start <= s
                            && (s - w.start).num_seconds() + length <= real
                            && (s - w.start).num_seconds() % step == 0
                    })
                    .count();
                prop_assert_eq!(
                    have as i64, want,
                    "window {}-{} on {} in {}: {} to {}", ws, we, date, zone.name(), w.start, w.end
                );
            }
        }
    }

    /// 2 and 5, aimed at a window that ends at 24:00 where the next day's first hour
    /// happens twice (and perhaps another window from 00:00 on the next day, whose start
    /// grid can meet the first's): the slots stay strictly increasing, and those in the
    /// repeated hour are offered and found by any range that starts at them.
    #[test]
    fn a_window_to_midnight_keeps_its_repeated_hour(
        (zone, day) in repeated_midnight_day(),
        start in (72u16..=95).prop_map(|q| q * 15),
        morning in prop::option::of(15u16..=240),
        minutes_ in 10u32..=60,
        step_minutes in step(),
    ) {
        let a = Availability {
            zone,
            weekly: WEEKDAYS
                .iter()
                .flat_map(|&weekday| {
                    let evening = Window { weekday, start, end: 1440 };
                    let early = morning.map(|end| Window { weekday, start: 0, end });
                    std::iter::once(evening).chain(early)
                })
                .collect(),
            overrides: Vec::new(),
            time_off: Vec::new(),
            min_notice_minutes: 0,
            horizon_days: 30,
            step_minutes,
        };
        let kind = SessionType { minutes: minutes_, buffer_before: 0, buffer_after: 0 };
        let mid = midnight_utc(day);
        let now = mid - Duration::days(3);
        let all = a.slots(&kind, &[], now, mid - Duration::days(2), mid + Duration::days(3));
        for w in all.windows(2) {
            prop_assert!(w[0] < w[1], "not strictly increasing: {} then {}", w[0], w[1]);
        }
        for &s in &all {
            prop_assert!(a.offers(&kind, &[], now, s), "{} ({}) not offered", s, zone::label(s, zone));
            let later = a.slots(&kind, &[], now, s, s + Duration::days(1));
            prop_assert_eq!(later.first(), Some(&s), "a range from {} misses it", s);
        }
    }

    /// 6, for any instant near a change of the reader's zone.
    #[test]
    fn labels_near_transitions((client, t) in zone_and_instant()) {
        check_label(t, client)?;
    }

    /// 7: `earliest` and `latest` keep the wall time when it exists, move forward to the
    /// jump when it does not, and differ by the change when it happened twice.
    #[test]
    fn earliest_and_latest((zone, t) in zone_and_instant(), shift in -90i64..=90, second in 0u32..60) {
        let local = (wall(zone, t) + minutes(shift)).with_second(second).expect("a second");
        let e = zone::earliest(zone, local);
        let l = zone::latest(zone, local);
        prop_assert!(e <= l);
        match zone.from_local_datetime(&local) {
            LocalResult::Single(d) => {
                prop_assert_eq!(e, d.with_timezone(&Utc));
                prop_assert_eq!(l, e);
                prop_assert_eq!(wall(zone, e), local);
            }
            LocalResult::Ambiguous(..) => {
                prop_assert_eq!(wall(zone, e), local);
                prop_assert_eq!(wall(zone, l), local);
                prop_assert!(e < l);
                let delta = offset_seconds(zone, e) - offset_seconds(zone, l);
                prop_assert_eq!((l - e).num_seconds(), delta);
            }
            LocalResult::None => {
                prop_assert_eq!(l, e);
                prop_assert!(wall(zone, e) > local, "{} resolves to {}", local, wall(zone, e));
                // The moment of the jump: a second earlier the clock showed less.
                prop_assert!(wall(zone, e - Duration::seconds(1)) < local);
                // Every wall time between the input and the result is in the gap.
                let skipped = wall(zone, e) - Duration::seconds(1);
                prop_assert!(matches!(zone.from_local_datetime(&skipped), LocalResult::None));
            }
        }
    }

    /// 8: a weekly series keeps the wall-clock time, one week apart, for `count` weeks.
    #[test]
    fn weekly_series_keeps_the_wall_clock((zone, first) in zone_and_instant(), count in 0u32..=30) {
        let series = weekly_series(zone, first, count);
        prop_assert_eq!(series.len(), count as usize);
        let start = wall(zone, first);
        for (k, &occ) in series.iter().enumerate() {
            let want = start + Duration::weeks(k as i64);
            // The first is `first` itself; later weeks take the same reading of a
            // repeated hour as `first` did (the earlier one unless `first` was the later).
            let second = zone::earliest(zone, start) != first;
            let expected = match (k, second) {
                (0, _) => first,
                (_, true) => zone::latest(zone, want),
                (_, false) => zone::earliest(zone, want),
            };
            prop_assert_eq!(occ, expected);
            match zone.from_local_datetime(&want) {
                LocalResult::None => prop_assert!(wall(zone, occ) > want),
                _ => prop_assert_eq!(wall(zone, occ), want, "occurrence {}", k),
            }
        }
        for w in series.windows(2) {
            prop_assert!(w[0] < w[1]);
        }
    }

    /// 8b: the first occurrence of a series is the instant it was started from.
    #[test]
    fn weekly_series_starts_at_first((zone, first) in zone_and_instant(), count in 1u32..=4) {
        let series = weekly_series(zone, first, count);
        prop_assert_eq!(series[0], first);
    }

    /// 9: between consecutive transitions the zone keeps its offset and name; at each
    /// transition they change.
    #[test]
    fn transitions_split_time_into_constant_stretches(
        zone in any_zone(),
        year in 1990i32..2036,
        start_day in 0u32..366,
        days in 1i64..=400,
        samples in prop::collection::vec(any::<Index>(), 4),
    ) {
        let from = midnight_utc(day_of_year(year, start_day));
        let until = from + Duration::days(days);
        let ts = ics::transitions(zone, from, until);
        for w in ts.windows(2) {
            prop_assert!(w[0] < w[1]);
        }
        for &t in &ts {
            prop_assert!(from < t && t < until, "{} outside [{}, {})", t, from, until);
            prop_assert_ne!(state(zone, t - Duration::seconds(1)), state(zone, t), "at {}", t);
        }
        let mut bounds = vec![from];
        bounds.extend(ts.iter().copied());
        bounds.push(until);
        for stretch in bounds.windows(2) {
            let (a, b) = (stretch[0], stretch[1]);
            let here = state(zone, a);
            let secs = (b - a).num_seconds();
            // Hourly, and at a few random seconds, and the last second of the stretch.
            let mut points: Vec<i64> = (0..secs).step_by(3600).collect();
            points.extend(samples.iter().map(|i| i.index(secs as usize) as i64));
            points.push(secs - 1);
            for p in points {
                let t = a + Duration::seconds(p);
                prop_assert_eq!(&state(zone, t), &here, "{} in the stretch {} to {}", t, a, b);
            }
        }
    }

    /// 9b: a transition at exactly `until` lies outside `[from, until)`.
    #[test]
    fn transitions_exclude_until((zone, day) in zone_and_day(), i in any::<Index>()) {
        if let Some(t) = pick_transition(zone, day.year(), i) {
            let ts = ics::transitions(zone, t - Duration::days(2), t);
            prop_assert!(ts.iter().all(|&x| x < t), "{:?} reaches {}", ts, t);
        }
    }
}
