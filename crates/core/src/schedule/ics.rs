//! iCalendar (RFC 5545) for session calendars: events written with the reader's time
//! zone and a VTIMEZONE built from the time-zone database, so calendar programs show
//! the right wall time on both sides of every daylight-saving change.
//!
//! Written by hand on purpose: the Rust iCalendar crates build events well but none
//! derives a VTIMEZONE from chrono-tz, and the writer around it (escaping and line
//! folding) is small. The output is checked with Python's `icalendar` in the tests.

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, Tz};

/// One session in a calendar. Titles and descriptions must carry no clinical content:
/// callers pass "Therapy session" and a join link.
#[derive(Debug, Clone)]
pub struct Event {
    pub uid: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub description: String,
    pub url: String,
    pub cancelled: bool,
    /// Bumped at each change so calendar programs replace their copy.
    pub sequence: u32,
    pub updated: DateTime<Utc>,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded at 75 octets without splitting a character (§3.1).
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_stamp(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

fn offset_at(tz: Tz, t: DateTime<Utc>) -> (i32, bool, String) {
    let o = tz.offset_from_utc_datetime(&t.naive_utc());
    let total = o.fix().local_minus_utc();
    let dst = !o.dst_offset().is_zero();
    (total, dst, t.with_timezone(&tz).format("%Z").to_string())
}

/// The instants within `[from, until)` at which `tz` changes offset (or name), found by
/// scanning in six-hour steps and bisecting to the second.
pub fn transitions(tz: Tz, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let from = Utc
        .timestamp_opt(from.timestamp(), 0)
        .single()
        .unwrap_or(from);
    let step = Duration::hours(6);
    let mut out = Vec::new();
    let mut a = from;
    while a < until {
        let b = (a + step).min(until);
        if offset_at(tz, a) != offset_at(tz, b) {
            let at = |s: i64| Utc.timestamp_opt(s, 0).single().unwrap_or(a);
            let (mut lo, mut hi) = (a.timestamp(), b.timestamp());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, at(mid)) == offset_at(tz, at(lo)) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            if at(hi) < until {
                out.push(at(hi));
            }
        }
        a = b;
    }
    out
}

/// A VTIMEZONE for `tz` valid over `[from, until)`: the offset in force at `from`, then
/// each transition as its own observance.
pub fn vtimezone(tz: Tz, from: DateTime<Utc>, until: DateTime<Utc>) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VTIMEZONE");
    line(&mut out, &format!("TZID:{}", tz.name()));
    let observance = |out: &mut String, at: DateTime<Utc>, before: i32| {
        let (after, dst, name) = offset_at(tz, at);
        let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
        line(out, &format!("BEGIN:{kind}"));
        // DTSTART is the wall time at which the observance begins, read in the offset
        // that was in force just before it.
        let local = at.naive_utc() + Duration::seconds(before.into());
        line(out, &format!("DTSTART:{}", local_stamp(local)));
        line(out, &format!("TZOFFSETFROM:{}", offset_text(before)));
        line(out, &format!("TZOFFSETTO:{}", offset_text(after)));
        line(out, &format!("TZNAME:{}", text(&name)));
        line(out, &format!("END:{kind}"));
        after
    };
    let (initial, _, _) = offset_at(tz, from);
    let mut before = observance(&mut out, from, initial);
    for t in transitions(tz, from, until) {
        before = observance(&mut out, t, before);
    }
    line(&mut out, "END:VTIMEZONE");
    out
}

/// A whole calendar of `events`, written in the reader's zone `tz`.
pub fn calendar(name: &str, tz: Tz, events: &[Event], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Rapport//Scheduling//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    line(&mut out, &format!("X-WR-TIMEZONE:{}", tz.name()));
    if !events.is_empty() {
        // Cover every event, starting a day early so the first observance precedes them all.
        let from = events.iter().map(|e| e.start).min().unwrap_or(now) - Duration::days(1);
        let until = events.iter().map(|e| e.end).max().unwrap_or(now) + Duration::days(1);
        out.push_str(&vtimezone(tz, from, until));
    }
    for e in events {
        let local = |t: DateTime<Utc>| local_stamp(t.with_timezone(&tz).naive_local());
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", text(&e.uid)));
        line(&mut out, &format!("DTSTAMP:{}", utc_stamp(now)));
        line(&mut out, &format!("LAST-MODIFIED:{}", utc_stamp(e.updated)));
        line(&mut out, &format!("SEQUENCE:{}", e.sequence));
        line(
            &mut out,
            &format!("DTSTART;TZID={}:{}", tz.name(), local(e.start)),
        );
        line(
            &mut out,
            &format!("DTEND;TZID={}:{}", tz.name(), local(e.end)),
        );
        line(&mut out, &format!("SUMMARY:{}", text(&e.summary)));
        line(&mut out, &format!("DESCRIPTION:{}", text(&e.description)));
        line(&mut out, &format!("URL:{}", e.url));
        line(&mut out, "CLASS:PRIVATE");
        line(&mut out, "TRANSP:OPAQUE");
        line(
            &mut out,
            if e.cancelled {
                "STATUS:CANCELLED"
            } else {
                "STATUS:CONFIRMED"
            },
        );
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_without_splitting_characters() {
        let mut out = String::new();
        line(&mut out, &format!("DESCRIPTION:{}", "é".repeat(60)));
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        assert_eq!(
            out.replace("\r\n ", ""),
            format!("DESCRIPTION:{}\r\n", "é".repeat(60))
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn berlin_2026_has_two_transitions() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let t = transitions(
            tz,
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
        );
        assert_eq!(
            t,
            vec![
                Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 10, 25, 1, 0, 0).unwrap(),
            ]
        );
        let v = vtimezone(
            tz,
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
        );
        assert!(v.contains("BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST"));
        assert!(v.contains("BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET"));
    }
}
