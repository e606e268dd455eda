//! What the scheduling pages share: weekday names, reading times and numbers from forms,
//! an appointment's status in words, and calendar downloads.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveTime, Timelike, Weekday};
use rapport_core::schedule::policy::Status;
use rapport_core::Invalid;
use rapport_store::schedule::Appointment;
use std::collections::HashMap;

/// A form read as name → value, for forms whose fields are generated (one per weekday).
pub(crate) type Fields = HashMap<String, String>;

pub(crate) const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "Monday"),
    (Weekday::Tue, "Tuesday"),
    (Weekday::Wed, "Wednesday"),
    (Weekday::Thu, "Thursday"),
    (Weekday::Fri, "Friday"),
    (Weekday::Sat, "Saturday"),
    (Weekday::Sun, "Sunday"),
];

pub(crate) fn hhmm(minutes: i64) -> String {
    format!("{:02}:{:02}", (minutes / 60) % 24, minutes % 60)
}

/// Reads "HH:MM" as minutes after midnight; as an end, "00:00" means midnight at the
/// end of the day (24:00), which a time input cannot show.
pub(crate) fn minutes(
    field: &'static str,
    raw: &str,
    is_end: bool,
) -> Result<Option<i64>, Invalid> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let t = NaiveTime::parse_from_str(raw, "%H:%M")
        .map_err(|_| Invalid::new(field, "Write times as HH:MM, for example 09:00."))?;
    let m = i64::from(t.hour() * 60 + t.minute());
    Ok(Some(if is_end && m == 0 { 1440 } else { m }))
}

pub(crate) fn number(
    field: &'static str,
    raw: Option<&String>,
    lo: i64,
    hi: i64,
    what: &str,
) -> Result<i64, Invalid> {
    raw.and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|n| (lo..=hi).contains(n))
        .ok_or_else(|| {
            Invalid::new(
                field,
                format!("{what} must be a whole number from {lo} to {hi}."),
            )
        })
}

pub(crate) fn status_text(a: &Appointment) -> String {
    match Status::parse(&a.status) {
        Some(Status::Booked) => "Booked".into(),
        Some(Status::Completed) => "Completed".into(),
        Some(Status::Cancelled) => format!(
            "Cancelled by the {}{}",
            a.cancelled_by.as_deref().unwrap_or("system"),
            if a.cancelled_late { " (late)" } else { "" }
        ),
        Some(Status::NoShow) => match (a.no_show_therapist, a.no_show_client) {
            (true, true) => "Neither side joined".into(),
            (true, false) => "Therapist did not join".into(),
            _ => "Client did not join".into(),
        },
        None => a.status.clone(),
    }
}

pub(crate) fn ics_response(body: String, filename: &str) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
}
