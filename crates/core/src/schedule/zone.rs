//! Wall-clock times in a time zone, resolved to instants without surprises at
//! daylight-saving changes, and labelled for people.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The longest run of wall-clock time a zone has ever skipped is a whole day (Samoa,
/// 30 December 2011); two days bounds the search for the end of a gap.
const MAX_GAP_MINUTES: i64 = 2 * 24 * 60;

/// The instant at which the wall clock next shows a valid time at or after `t` (the
/// moment the clocks jumped, when `t` falls in a gap).
fn after_gap(tz: Tz, t: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = t;
    for _ in 0..MAX_GAP_MINUTES {
        probe += chrono::Duration::minutes(1);
        // Gaps begin and end on whole minutes in every zone of the database; step back
        // to the first valid second if a transition is ever finer than that.
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => {
                let mut at = d.with_timezone(&Utc);
                for _ in 0..60 {
                    let before = at - chrono::Duration::seconds(1);
                    let local = before.with_timezone(&tz).naive_local();
                    if local >= t {
                        at = before;
                    } else {
                        break;
                    }
                }
                return at;
            }
            LocalResult::None => continue,
        }
    }
    // Unreachable with the time-zone database as it is; fall back to reading the
    // wall time as UTC rather than failing.
    Utc.from_utc_datetime(&t)
}

/// The instant for wall time `t`: the earlier one when the clocks went back and the
/// time happened twice, and the moment of the jump when the clocks went forward past it.
pub fn earliest(tz: Tz, t: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&t) {
        LocalResult::Single(d) => d.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => after_gap(tz, t),
    }
}

/// As [`earliest`], but the later instant of a time that happened twice: the end of a
/// window that reaches into a repeated hour lasts until the wall clock shows it the
/// second time.
pub fn latest(tz: Tz, t: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&t) {
        LocalResult::Single(d) => d.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).max(b.with_timezone(&Utc)),
        LocalResult::None => after_gap(tz, t),
    }
}

/// The instant a local date begins in `tz` (its first moment, even on a day whose
/// midnight was skipped by a clock change).
pub fn start_of_day(tz: Tz, date: chrono::NaiveDate) -> DateTime<Utc> {
    earliest(tz, date.and_time(chrono::NaiveTime::MIN))
}

/// "Tue 1 Dec 2026, 10:00 CET": a moment in a person's own zone, with the zone's
/// abbreviation (or UTC offset, for zones without one) so nobody has to guess.
pub fn label(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string()
}

/// "10:00": the wall time alone, for lists already grouped by day.
pub fn clock(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// "Tuesday 1 December 2026": the local date heading for a day of slots.
pub fn day_heading(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%A %-d %B %Y").to_string()
}

/// The zone's abbreviation at `t` ("CET", "CEST", or "+03" where none exists).
pub fn abbreviation(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn a_time_in_the_spring_gap_resolves_to_the_jump() {
        // Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let jump = Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap();
        assert_eq!(earliest(tz, at(2026, 3, 29, 2, 30)), jump);
        assert_eq!(latest(tz, at(2026, 3, 29, 2, 0)), jump);
    }

    #[test]
    fn a_repeated_time_in_autumn_has_two_readings() {
        // Berlin, 25 October 2026: 02:30 happens at 00:30 UTC (CEST) and 01:30 UTC (CET).
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            earliest(tz, at(2026, 10, 25, 2, 30)),
            Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap()
        );
        assert_eq!(
            latest(tz, at(2026, 10, 25, 2, 30)),
            Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap()
        );
    }

    #[test]
    fn samoa_skipped_a_whole_day() {
        let tz: Tz = "Pacific/Apia".parse().unwrap();
        // 30 December 2011 did not happen in Samoa: 29 Dec 23:59:59 -10 was followed by
        // 31 Dec 00:00 +14 (10:00 UTC on the 30th).
        assert_eq!(
            earliest(tz, at(2011, 12, 30, 12, 0)),
            Utc.with_ymd_and_hms(2011, 12, 30, 10, 0, 0).unwrap()
        );
    }

    #[test]
    fn labels_carry_the_zone() {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        assert_eq!(
            label(t, "Europe/Berlin".parse().unwrap()),
            "Tue 1 Dec 2026, 10:00 CET"
        );
        assert_eq!(
            label(t, "America/New_York".parse().unwrap()),
            "Tue 1 Dec 2026, 04:00 EST"
        );
    }
}
