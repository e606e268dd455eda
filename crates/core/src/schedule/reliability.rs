//! Reliability, measured from recorded events over a rolling 90 days: how often the
//! therapist started on time, and how often they cancelled late or did not come.
//!
//! The formulas (pinned by the tests below):
//! - **sessions**: appointments that started within the window and have been settled
//!   (completed or a no-show by either side); cancelled ones are not sessions.
//! - **on time**: sessions the therapist first joined no later than two minutes after
//!   the start. A session the therapist never joined is not on time.
//! - **on-time share**: on time ÷ sessions, rounded down to a whole percent, so it is
//!   never overstated.
//! - **late cancellations**: appointments the therapist cancelled after the policy's
//!   deadline, with the cancellation inside the window.
//! - **no-shows**: sessions within the window the therapist never joined.
//!
//! A public profile states these only once there are at least [`PUBLIC_MINIMUM`]
//! sessions in the window: below that, one late start would swing the number.

use super::policy::{Party, Status};
use chrono::{DateTime, Duration, Utc};

pub const WINDOW_DAYS: i64 = 90;
pub const ON_TIME_GRACE_MINUTES: i64 = 2;
pub const PUBLIC_MINIMUM: u32 = 10;

/// What the store recorded about one appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentFacts {
    pub start: DateTime<Utc>,
    pub status: Status,
    pub therapist_first_joined: Option<DateTime<Utc>>,
    pub no_show_therapist: bool,
    pub cancelled_by: Option<Party>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_late: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Reliability {
    pub sessions: u32,
    pub on_time: u32,
    pub late_cancellations: u32,
    pub no_shows: u32,
}

impl Reliability {
    /// Measures the 90 days that end at `now`.
    pub fn measure(facts: &[AppointmentFacts], now: DateTime<Utc>) -> Self {
        let from = now - Duration::days(WINDOW_DAYS);
        let inside = |t: DateTime<Utc>| t > from && t <= now;
        let mut r = Reliability::default();
        for f in facts {
            let settled = matches!(f.status, Status::Completed | Status::NoShow);
            if settled && inside(f.start) {
                r.sessions += 1;
                let grace = f.start + Duration::minutes(ON_TIME_GRACE_MINUTES);
                if f.therapist_first_joined.is_some_and(|j| j <= grace) {
                    r.on_time += 1;
                }
                if f.no_show_therapist {
                    r.no_shows += 1;
                }
            }
            if f.status == Status::Cancelled
                && f.cancelled_by == Some(Party::Therapist)
                && f.cancelled_late
                && f.cancelled_at.is_some_and(inside)
            {
                r.late_cancellations += 1;
            }
        }
        r
    }

    /// On time ÷ sessions as a whole percent, rounded down; none without sessions.
    pub fn on_time_percent(&self) -> Option<u32> {
        (self.sessions > 0).then(|| self.on_time * 100 / self.sessions)
    }

    /// Whether there are enough sessions to say anything in public.
    pub fn is_public(&self) -> bool {
        self.sessions >= PUBLIC_MINIMUM
    }

    /// The plain-words lines for a public profile, once there are enough sessions.
    pub fn public_lines(&self) -> Option<Vec<String>> {
        if !self.is_public() {
            return None;
        }
        let times = |n: u32| {
            if n == 1 {
                "1 time".to_string()
            } else {
                format!("{n} times")
            }
        };
        let pct = self.on_time_percent().unwrap_or(0);
        Some(vec![
            format!("On time for {pct}% of sessions in the last 90 days"),
            match self.late_cancellations {
                0 => "No late cancellations in the last 90 days".to_string(),
                n => format!("Cancelled late {} in the last 90 days", times(n)),
            },
            match self.no_shows {
                0 => "Never missed a session in the last 90 days".to_string(),
                n => format!("Missed a session {} in the last 90 days", times(n)),
            },
        ])
    }

    /// The measure as it stood at the end of each of the last `weeks` weeks, oldest
    /// first: what the therapist's trend chart draws.
    pub fn trend(
        facts: &[AppointmentFacts],
        now: DateTime<Utc>,
        weeks: u32,
    ) -> Vec<(DateTime<Utc>, Self)> {
        (0..weeks)
            .rev()
            .map(|k| {
                let at = now - Duration::weeks(k.into());
                (at, Self::measure(facts, at))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
    }

    fn held(days_ago: i64, joined_after_secs: Option<i64>) -> AppointmentFacts {
        let start = now() - Duration::days(days_ago);
        AppointmentFacts {
            start,
            status: if joined_after_secs.is_some() {
                Status::Completed
            } else {
                Status::NoShow
            },
            therapist_first_joined: joined_after_secs.map(|s| start + Duration::seconds(s)),
            no_show_therapist: joined_after_secs.is_none(),
            cancelled_by: None,
            cancelled_at: None,
            cancelled_late: false,
        }
    }

    fn cancelled(days_ago: i64, by: Party, late: bool) -> AppointmentFacts {
        let start = now() - Duration::days(days_ago);
        AppointmentFacts {
            start,
            status: Status::Cancelled,
            therapist_first_joined: None,
            no_show_therapist: false,
            cancelled_by: Some(by),
            cancelled_at: Some(start - Duration::hours(3)),
            cancelled_late: late,
        }
    }

    #[test]
    fn on_time_means_joined_within_two_minutes() {
        let facts = vec![
            held(1, Some(-300)), // early
            held(2, Some(120)),  // exactly two minutes late: on time
            held(3, Some(121)),  // one second more: late
            held(4, None),       // never came: a no-show, not on time
        ];
        let r = Reliability::measure(&facts, now());
        assert_eq!(
            r,
            Reliability {
                sessions: 4,
                on_time: 2,
                late_cancellations: 0,
                no_shows: 1
            }
        );
        assert_eq!(r.on_time_percent(), Some(50));
    }

    #[test]
    fn only_the_last_90_days_count() {
        let facts = vec![
            held(89, Some(0)),
            held(91, None),
            cancelled(95, Party::Therapist, true),
        ];
        let r = Reliability::measure(&facts, now());
        assert_eq!(r.sessions, 1);
        assert_eq!(r.no_shows, 0);
        assert_eq!(r.late_cancellations, 0);
    }

    #[test]
    fn late_cancellations_count_only_the_therapists_own() {
        let facts = vec![
            cancelled(5, Party::Therapist, true),
            cancelled(6, Party::Therapist, false),
            cancelled(7, Party::Client, true),
        ];
        let r = Reliability::measure(&facts, now());
        assert_eq!(r.late_cancellations, 1);
        assert_eq!(r.sessions, 0, "cancelled appointments are not sessions");
        assert_eq!(r.on_time_percent(), None);
    }

    #[test]
    fn percent_rounds_down_and_public_needs_ten_sessions() {
        let mut facts: Vec<_> = (1..=9).map(|d| held(d, Some(0))).collect();
        assert!(Reliability::measure(&facts, now()).public_lines().is_none());
        facts.push(held(10, Some(600)));
        facts.push(cancelled(11, Party::Therapist, true));
        let r = Reliability::measure(&facts, now());
        // 9 of 10 on time is exactly 90%; 2 of 3 would show 66%, never 67%.
        assert_eq!(r.on_time_percent(), Some(90));
        assert_eq!(
            r.public_lines().unwrap(),
            vec![
                "On time for 90% of sessions in the last 90 days",
                "Cancelled late 1 time in the last 90 days",
                "Never missed a session in the last 90 days",
            ]
        );
        let two_of_three = Reliability {
            sessions: 3,
            on_time: 2,
            ..Default::default()
        };
        assert_eq!(two_of_three.on_time_percent(), Some(66));
    }

    #[test]
    fn the_trend_is_the_measure_at_each_week_end() {
        let facts = vec![held(1, Some(0)), held(25, None)];
        let t = Reliability::trend(&facts, now(), 4);
        assert_eq!(t.len(), 4);
        assert_eq!(t[3].0, now());
        assert_eq!(t[3].1.sessions, 2);
        // Three weeks ago only the session 25 days ago had happened.
        assert_eq!(
            t[0].1,
            Reliability {
                sessions: 1,
                on_time: 0,
                late_cancellations: 0,
                no_shows: 1
            }
        );
    }
}
