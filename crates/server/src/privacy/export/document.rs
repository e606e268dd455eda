//! The JSON export's own document types. They are written out field by field here, not
//! borrowed from the API or the store, so that changing an endpoint or a table cannot
//! silently change what a client downloads as the record of their data (a test pins the
//! shape). Times are RFC 3339 in UTC; each record keeps its original millisecond value too.

use serde::Serialize;

/// Everything about one client.
#[derive(Debug, Serialize)]
pub struct Export {
    pub format: &'static str,
    pub exported_at: String,
    pub account: Account,
    pub signed_in_devices: Vec<Device>,
    pub api_tokens: Vec<Token>,
    pub security_events: Vec<SecurityEvent>,
    pub consents: Vec<Consent>,
    pub access_log: Vec<Access>,
    pub appointments: Vec<AppointmentRecord>,
    /// Every break-glass grant on the client's records, with its reason.
    pub emergency_access: Vec<EmergencyAccess>,
}

/// The name of this document's format; a new shape gets a new name. (2 added
/// `emergency_access` and the tokens' `expires_at`.)
pub const FORMAT: &str = "rapport-export/2";

/// An administrator's emergency access to the client's records.
#[derive(Debug, Serialize)]
pub struct EmergencyAccess {
    pub id: String,
    pub administrator: String,
    pub reason: String,
    pub granted_at: String,
    /// When the access ended or ends: its expiry, or earlier if an administrator ended it.
    pub until: String,
    pub ended_early: bool,
}

#[derive(Debug, Serialize)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub pronouns: Option<String>,
    pub time_zone: String,
    pub role: String,
    pub email_verified: bool,
    pub mfa_enabled: bool,
    pub created_at: String,
}

#[derive(Debug, Serialize)]
pub struct Device {
    pub id: String,
    pub level: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_agent: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Token {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: i64,
}

#[derive(Debug, Serialize)]
pub struct SecurityEvent {
    pub id: String,
    pub kind: String,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub at: i64,
}

#[derive(Debug, Serialize)]
pub struct Consent {
    pub id: String,
    pub document: String,
    pub version: i64,
    /// SHA-256 of the exact text signed.
    pub text_sha256: String,
    pub typed_name: String,
    pub signed_at: i64,
    pub withdrawn_at: Option<i64>,
}

/// One access to the client's records, as the privacy centre shows it.
#[derive(Debug, Serialize)]
pub struct Access {
    pub seq: i64,
    pub at: i64,
    pub sentence: String,
    pub who: String,
    pub role: String,
    pub record_kind: String,
    pub action: String,
    pub purpose: String,
    pub emergency: bool,
    pub request_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AppointmentRecord {
    pub appointment: Appointment,
    pub history: Vec<AppointmentEvent>,
}

#[derive(Debug, Serialize)]
pub struct Appointment {
    pub id: String,
    pub therapist_id: String,
    pub therapist_name: String,
    pub client_id: String,
    pub client_name: String,
    pub session_type: String,
    pub series_id: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    /// The start in the client's own zone.
    pub label: String,
    pub status: String,
    pub cancelled_by: Option<String>,
    pub cancelled_late: bool,
    pub no_show_therapist: bool,
    pub no_show_client: bool,
    /// The cancellation policy the session was booked under.
    pub policy: String,
}

#[derive(Debug, Serialize)]
pub struct AppointmentEvent {
    pub seq: i64,
    pub at: i64,
    pub kind: String,
    pub party: String,
    pub starts_at: i64,
    pub previous_starts_at: Option<i64>,
    pub late: bool,
}
