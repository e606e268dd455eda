//! Scheduling records: availability, session types, appointments and their history,
//! presence, reminders already sent, and calendar feeds. The rules (which slots exist,
//! what is late) live in `rapport_core::schedule`; these modules keep the facts and make
//! booking atomic. This file holds the record types.

mod appointments;
mod availability;
mod booking;

pub use appointments::{appointment_in, claim_reminder};
pub use booking::{book, cancel, reschedule};

use rapport_core::time::to_millis;
use rapport_core::UserId;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Settings {
    pub therapist_id: String,
    pub min_notice_minutes: i64,
    pub horizon_days: i64,
    pub step_minutes: i64,
    pub free_cancel_hours: i64,
}

impl Settings {
    /// What a therapist starts with: a day's notice, 60 days ahead, starts every
    /// 30 minutes, free cancellation until 24 hours before.
    pub fn defaults(therapist: &UserId) -> Self {
        Self {
            therapist_id: therapist.as_str().to_string(),
            min_notice_minutes: 24 * 60,
            horizon_days: 60,
            step_minutes: 30,
            free_cancel_hours: 24,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WeeklyHours {
    pub id: String,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: i64,
    pub start_minute: i64,
    pub end_minute: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DayOverride {
    pub id: String,
    /// `YYYY-MM-DD`, a date in the therapist's zone.
    pub day: String,
    /// Both `None`: the whole day off.
    pub start_minute: Option<i64>,
    pub end_minute: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TimeOff {
    pub id: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SessionType {
    pub id: String,
    pub therapist_id: String,
    pub name: String,
    pub minutes: i64,
    pub buffer_before: i64,
    pub buffer_after: i64,
    pub active: bool,
}

#[derive(sqlx::FromRow)]
struct SessionTypeRow {
    id: String,
    therapist_id: String,
    name: String,
    minutes: i64,
    buffer_before: i64,
    buffer_after: i64,
    active: i64,
}

impl From<SessionTypeRow> for SessionType {
    fn from(r: SessionTypeRow) -> Self {
        Self {
            id: r.id,
            therapist_id: r.therapist_id,
            name: r.name,
            minutes: r.minutes,
            buffer_before: r.buffer_before,
            buffer_after: r.buffer_after,
            active: r.active != 0,
        }
    }
}

/// An appointment with the names both sides see (the therapist's with their verified
/// credential, see [`rapport_core::directory::clinician_label`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub id: String,
    pub therapist_id: String,
    pub client_id: String,
    pub session_type_id: String,
    pub session_name: String,
    pub therapist_name: String,
    pub client_name: String,
    pub therapist_zone: String,
    pub client_zone: String,
    pub series_id: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub busy_from: i64,
    pub busy_until: i64,
    pub status: String,
    pub free_cancel_hours: i64,
    pub cancelled_by: Option<String>,
    pub cancelled_at: Option<i64>,
    pub cancelled_late: bool,
    pub no_show_therapist: bool,
    pub no_show_client: bool,
    pub sequence: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct AppointmentRow {
    id: String,
    therapist_id: String,
    client_id: String,
    session_type_id: String,
    session_name: String,
    therapist_name: String,
    therapist_credential: Option<String>,
    client_name: String,
    therapist_zone: String,
    client_zone: String,
    series_id: Option<String>,
    starts_at: i64,
    ends_at: i64,
    busy_from: i64,
    busy_until: i64,
    status: String,
    free_cancel_hours: i64,
    cancelled_by: Option<String>,
    cancelled_at: Option<i64>,
    cancelled_late: i64,
    no_show_therapist: i64,
    no_show_client: i64,
    sequence: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<AppointmentRow> for Appointment {
    fn from(r: AppointmentRow) -> Self {
        Self {
            id: r.id,
            therapist_id: r.therapist_id,
            client_id: r.client_id,
            session_type_id: r.session_type_id,
            session_name: r.session_name,
            therapist_name: rapport_core::directory::clinician_label(
                &r.therapist_name,
                r.therapist_credential.as_deref(),
            ),
            client_name: r.client_name,
            therapist_zone: r.therapist_zone,
            client_zone: r.client_zone,
            series_id: r.series_id,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            busy_from: r.busy_from,
            busy_until: r.busy_until,
            status: r.status,
            free_cancel_hours: r.free_cancel_hours,
            cancelled_by: r.cancelled_by,
            cancelled_at: r.cancelled_at,
            cancelled_late: r.cancelled_late != 0,
            no_show_therapist: r.no_show_therapist != 0,
            no_show_client: r.no_show_client != 0,
            sequence: r.sequence,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const APPOINTMENT_SELECT: &str = "SELECT a.id, a.therapist_id, a.client_id, a.session_type_id, st.name AS session_name, \
    t.display_name AS therapist_name, \
    (SELECT MIN(l.license_type) FROM licenses l WHERE l.therapist_id = t.id AND l.status = 'verified') \
        AS therapist_credential, \
    c.display_name AS client_name, t.time_zone AS therapist_zone, \
    c.time_zone AS client_zone, a.series_id, a.starts_at, a.ends_at, a.busy_from, a.busy_until, a.status, \
    a.free_cancel_hours, a.cancelled_by, a.cancelled_at, a.cancelled_late, a.no_show_therapist, a.no_show_client, \
    a.sequence, a.created_at, a.updated_at \
    FROM appointments a JOIN session_types st ON st.id = a.session_type_id \
    JOIN users t ON t.id = a.therapist_id JOIN users c ON c.id = a.client_id";

/// One entry of an appointment's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct AppointmentEvent {
    pub seq: i64,
    pub at: i64,
    /// booked, rescheduled, cancelled, joined, left, completed, no_show.
    pub kind: String,
    /// client, therapist or system.
    pub party: String,
    pub starts_at: i64,
    pub previous_starts_at: Option<i64>,
    #[sqlx(try_from = "i64")]
    pub late: LateFlag,
}

/// A 0/1 column read as a boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct LateFlag(pub bool);

impl From<i64> for LateFlag {
    fn from(v: i64) -> Self {
        LateFlag(v != 0)
    }
}

/// One session to write: its times and the span it keeps from other bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub starts_at: i64,
    pub ends_at: i64,
    pub busy_from: i64,
    pub busy_until: i64,
}

impl Occurrence {
    /// A session of `kind` starting at `start`, with the span its buffers keep.
    pub fn of(
        kind: &rapport_core::schedule::SessionType,
        start: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let padded = kind.padded(start);
        Self {
            starts_at: to_millis(start),
            ends_at: to_millis(kind.end(start)),
            busy_from: to_millis(padded.start),
            busy_until: to_millis(padded.end),
        }
    }
}

/// A booking to make (one session, or each week of a series).
#[derive(Debug, Clone)]
pub struct NewBooking<'a> {
    pub therapist: &'a UserId,
    pub client: &'a UserId,
    pub session_type: &'a str,
    pub occurrences: &'a [Occurrence],
    pub free_cancel_hours: i64,
    /// Who booked: the client, or the therapist on the client's behalf.
    pub party: &'a str,
    pub actor: &'a UserId,
}

/// Live bookings that bear on a new one, read inside the booking's turn.
#[derive(Debug, Clone, Default)]
pub struct Busy {
    /// The therapist's bookings as (busy_from, busy_until).
    pub therapist: Vec<(i64, i64)>,
    /// The client's own sessions (with anyone) as (starts_at, ends_at).
    pub client: Vec<(i64, i64)>,
}

/// How a booking or move ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booked {
    Done(Vec<String>),
    /// The rules said no, with the caller's reason (typically: just taken).
    Refused(String),
}

/// What reliability is computed from, per appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReliabilityRow {
    pub starts_at: i64,
    pub status: String,
    pub therapist_first_joined: Option<i64>,
    pub no_show_therapist: bool,
    pub cancelled_by: Option<String>,
    pub cancelled_at: Option<i64>,
    pub cancelled_late: bool,
}
