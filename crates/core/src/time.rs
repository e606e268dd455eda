//! Instants are stored as milliseconds since the Unix epoch (UTC) on both backends.

use chrono::{DateTime, TimeZone, Utc};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

pub fn to_millis(t: DateTime<Utc>) -> Millis {
    t.timestamp_millis()
}

pub fn from_millis(ms: Millis) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// "Tue 3 Dec 2026, 10:02" in the user's own zone: how Rapport writes a moment to people.
pub fn human(ms: Millis, tz: &crate::TimeZoneName) -> String {
    from_millis(ms)
        .with_timezone(&tz.tz())
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_uses_the_users_zone() {
        let tz = crate::TimeZoneName::parse("America/Chicago").unwrap();
        // 2026-12-03T16:02:00Z is 10:02 in Chicago (CST, UTC-6).
        assert_eq!(human(1_796_313_720_000, &tz), "Thu 3 Dec 2026, 10:02");
    }
}
