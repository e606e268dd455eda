//! Appointment states and the cancellation policy a client sees before booking.

use chrono::{DateTime, Duration, Utc};

/// One side of an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    Client,
    Therapist,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Client => "client",
            Party::Therapist => "therapist",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "client" => Some(Party::Client),
            "therapist" => Some(Party::Therapist),
            _ => None,
        }
    }
}

/// Where an appointment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Booked,
    Cancelled,
    Completed,
    NoShow,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Booked => "booked",
            Status::Cancelled => "cancelled",
            Status::Completed => "completed",
            Status::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "booked" => Status::Booked,
            "cancelled" => Status::Cancelled,
            "completed" => Status::Completed,
            "no_show" => Status::NoShow,
            _ => return None,
        })
    }
}

/// Free changes until `free_until_hours` before the start; after that a cancellation
/// is recorded as late against whoever made it, and moving is no longer offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancellationPolicy {
    pub free_until_hours: u32,
}

impl Default for CancellationPolicy {
    fn default() -> Self {
        Self {
            free_until_hours: 24,
        }
    }
}

impl CancellationPolicy {
    /// The moment after which a change is late.
    pub fn deadline(&self, start: DateTime<Utc>) -> DateTime<Utc> {
        start - Duration::hours(self.free_until_hours.into())
    }

    /// A change made at `now` to a session starting at `start` is late when it comes
    /// after the deadline.
    pub fn is_late(&self, now: DateTime<Utc>, start: DateTime<Utc>) -> bool {
        now > self.deadline(start)
    }

    /// Whether the session may still be moved to another time (only before the deadline).
    pub fn may_reschedule(&self, now: DateTime<Utc>, start: DateTime<Utc>) -> bool {
        !self.is_late(now, start)
    }

    /// The policy in plain words, shown before booking and on every appointment.
    pub fn text(&self) -> String {
        let h = self.free_until_hours;
        if h == 0 {
            return "You can cancel or move this session at no cost until it starts. \
                    A session missed without cancelling is recorded as a no-show."
                .into();
        }
        let hours = if h == 1 {
            "1 hour".to_string()
        } else {
            format!("{h} hours")
        };
        format!(
            "You can cancel or move this session at no cost until {hours} before it starts. \
             After that it can only be cancelled, and the cancellation is recorded as late — \
             for the therapist too, if they are the one who cancels. \
             A session missed without cancelling is recorded as a no-show for whoever missed it."
        )
    }
}

/// How a session that has ended is settled from who joined it: a side that never
/// joined is a no-show; if both joined, it is completed.
pub fn settle(therapist_joined: bool, client_joined: bool) -> (Status, Vec<Party>) {
    let mut missing = Vec::new();
    if !therapist_joined {
        missing.push(Party::Therapist);
    }
    if !client_joined {
        missing.push(Party::Client);
    }
    if missing.is_empty() {
        (Status::Completed, missing)
    } else {
        (Status::NoShow, missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_change_inside_the_window_is_late() {
        let p = CancellationPolicy::default();
        let start = Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
        assert!(!p.is_late(start - Duration::hours(24), start));
        assert!(p.is_late(start - Duration::hours(24) + Duration::seconds(1), start));
        assert!(p.may_reschedule(start - Duration::hours(25), start));
        assert!(!p.may_reschedule(start - Duration::hours(2), start));
        assert!(p.text().contains("24 hours before"));
    }

    #[test]
    fn settling_counts_whoever_did_not_come() {
        assert_eq!(settle(true, true), (Status::Completed, vec![]));
        assert_eq!(settle(true, false), (Status::NoShow, vec![Party::Client]));
        assert_eq!(
            settle(false, true),
            (Status::NoShow, vec![Party::Therapist])
        );
        assert_eq!(
            settle(false, false),
            (Status::NoShow, vec![Party::Therapist, Party::Client])
        );
    }
}
