//! A therapist's profile: checked field by field (plain text, bounded; codes from the
//! vocabularies) before it is saved and searchable.

use crate::platform::error::{AppError, AppResult};
use rapport_core::directory::{parse_language, Modality, Population, SessionFormat, Specialty};
use rapport_core::Invalid;
use rapport_store::directory::ProfileInput;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    pub short_intro: String,
    pub long_intro: String,
    #[serde(default)]
    pub first_session: String,
    #[serde(default)]
    pub modalities: Vec<String>,
    #[serde(default)]
    pub specialties: Vec<String>,
    #[serde(default)]
    pub populations: Vec<String>,
    /// ISO 639-1 codes.
    #[serde(default)]
    pub languages: Vec<String>,
    /// video, messaging.
    #[serde(default)]
    pub formats: Vec<String>,
    #[serde(default)]
    pub insurance: Vec<String>,
    /// Fee per session in whole currency units.
    pub fee: i64,
    #[serde(default)]
    pub sliding_scale: bool,
    /// e.g. "Mon–Thu 9:00–17:00 (America/Chicago)".
    #[serde(default)]
    pub office_hours: String,
    /// How quickly you usually reply to messages within office hours.
    pub reply_within_hours: i64,
    /// Optional self-description, used only when a client asks to match on it.
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub faith: Option<String>,
    #[serde(default)]
    pub cultural_background: Option<String>,
}

fn text(
    field: &'static str,
    v: &str,
    max: usize,
    required: bool,
    errors: &mut Vec<Invalid>,
) -> String {
    let t = v.trim();
    if required && t.is_empty() {
        errors.push(Invalid::new(
            field,
            "Please fill this in: clients read it before choosing you.",
        ));
    } else if t.chars().count() > max {
        errors.push(Invalid::new(
            field,
            format!("Keep this to {max} characters."),
        ));
    } else if t
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.push(Invalid::new(field, "Remove the control characters."));
    }
    t.replace("\r\n", "\n")
}

fn codes(
    field: &'static str,
    v: &[String],
    parse: impl Fn(&str) -> Result<&'static str, Invalid>,
    errors: &mut Vec<Invalid>,
) -> Vec<String> {
    let mut out = Vec::new();
    for raw in v {
        match parse(raw) {
            Ok(code) if !out.iter().any(|c| c == code) => out.push(code.to_string()),
            Ok(_) => {}
            Err(mut e) => {
                e.field = field;
                errors.push(e);
            }
        }
    }
    out
}

fn optional(field: &'static str, v: &Option<String>, errors: &mut Vec<Invalid>) -> Option<String> {
    let t = text(field, v.as_deref().unwrap_or(""), 60, false, errors);
    (!t.is_empty()).then_some(t)
}

pub fn parse(b: &ProfileBody) -> AppResult<ProfileInput> {
    let mut e = Vec::new();
    let input = ProfileInput {
        short_intro: text("short_intro", &b.short_intro, 200, true, &mut e),
        long_intro: text("long_intro", &b.long_intro, 4000, true, &mut e),
        first_session: text("first_session", &b.first_session, 1000, false, &mut e),
        modalities: codes(
            "modalities",
            &b.modalities,
            |s| Modality::parse(s).map(Modality::as_str),
            &mut e,
        ),
        specialties: codes(
            "specialties",
            &b.specialties,
            |s| Specialty::parse(s).map(Specialty::as_str),
            &mut e,
        ),
        populations: codes(
            "populations",
            &b.populations,
            |s| Population::parse(s).map(Population::as_str),
            &mut e,
        ),
        languages: codes("languages", &b.languages, parse_language, &mut e),
        formats: codes(
            "formats",
            &b.formats,
            |s| SessionFormat::parse(s).map(SessionFormat::as_str),
            &mut e,
        ),
        insurance: b
            .insurance
            .iter()
            .map(|i| text("insurance", &i.replace('|', " "), 60, false, &mut e))
            .filter(|i| !i.is_empty())
            .take(20)
            .collect(),
        fee_cents: b.fee * 100,
        sliding_scale: b.sliding_scale,
        office_hours: text("office_hours", &b.office_hours, 100, false, &mut e),
        reply_within_hours: b.reply_within_hours,
        gender: optional("gender", &b.gender, &mut e),
        faith: optional("faith", &b.faith, &mut e),
        cultural_background: optional("cultural_background", &b.cultural_background, &mut e),
    };
    if !(0..=2000).contains(&b.fee) {
        e.push(Invalid::new("fee", "Enter a fee between 0 and 2,000."));
    }
    if !(1..=168).contains(&b.reply_within_hours) {
        e.push(Invalid::new(
            "reply_within_hours",
            "Say how many hours (1 to 168) you usually take to reply.",
        ));
    }
    if input.specialties.is_empty() && e.iter().all(|x| x.field != "specialties") {
        e.push(Invalid::new(
            "specialties",
            "Choose at least one thing you help with.",
        ));
    }
    if e.is_empty() {
        Ok(input)
    } else {
        Err(AppError::Fields(e))
    }
}
