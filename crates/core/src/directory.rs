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
