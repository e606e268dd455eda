//! The therapist directory: what therapists offer, where they may practise, and how a
//! client's request is matched to them with reasons a person can read.
//!
//! Vocabularies are closed lists with stable snake_case codes: the codes are stored and
//! sent over the API, the labels are shown to people and may be reworded freely.

mod jurisdictions;
mod languages;
mod license;
mod matching;
mod vocab;

pub use jurisdictions::{countries, regions, Jurisdiction};
pub use languages::{language_name, languages, parse_language};
pub use license::{
    counts_on, describe_license, expiry_reminders_due, CredentialStatus, LicenseNumber,
    VerificationMethod, REMINDER_DAYS,
};
pub use matching::{rank, score, IdentityPreferences, Match, MatchRequest, TherapistFacts};
pub use vocab::{LicenseType, Modality, Population, SessionFormat, Specialty};

/// How a clinician is named wherever someone else sees them: with their verified
/// credential, so a name alone (which anyone may choose, "Dr." and all) never passes for a
/// clinician's.
pub fn clinician_label(name: &str, verified_credential: Option<&str>) -> String {
    match verified_credential.and_then(|c| LicenseType::parse(c).ok()) {
        Some(t) => format!("{name} ({}, verified)", t.label()),
        None => format!("{name} (credential not verified)"),
    }
}
