//! The therapist directory as the product shows it: search parameters parsed and checked,
//! licenses described in plain language, and what a client sees about licensure.

use crate::platform::error::{AppError, AppResult};
use chrono::NaiveDate;
use rapport_core::directory::{
    counts_on, describe_license, language_name, CredentialStatus, Jurisdiction, LicenseType,
    Modality, Population, SessionFormat, Specialty, VerificationMethod,
};
use rapport_core::Invalid;
use rapport_store::directory::{License, Profile, SearchQuery};
use serde::Deserialize;

pub const PAGE_SIZE: i64 = 20;

/// Search parameters as they arrive in a query string (page and API alike).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Free text over names and introductions.
    pub q: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. US.
    pub country: Option<String>,
    /// ISO 3166-2 subdivision without the country, e.g. TX.
    pub region: Option<String>,
    pub specialty: Option<String>,
    pub modality: Option<String>,
    /// ISO 639-1, e.g. es.
    pub language: Option<String>,
    pub population: Option<String>,
    pub format: Option<String>,
    pub insurance: Option<String>,
    /// Whole currency units.
    pub fee_min: Option<String>,
    pub fee_max: Option<String>,
    pub sliding_scale: Option<String>,
    pub pronouns: Option<String>,
    /// `best` (default) or `fee`.
    pub sort: Option<String>,
    /// 1-based.
    pub page: Option<String>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn money(field: &'static str, v: &Option<String>) -> AppResult<Option<i64>> {
    match nonempty(v) {
        None => Ok(None),
        Some(s) => s.parse::<u32>().map(|n| Some(n as i64 * 100)).map_err(|_| {
            AppError::Invalid(Invalid::new(field, "Enter a whole amount, such as 120."))
        }),
    }
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

impl SearchParams {
    /// Checks every parameter; `fallback` is the signed-in client's own location.
    pub fn to_query(
        &self,
        fallback: Option<Jurisdiction>,
    ) -> AppResult<(SearchQuery, Option<Jurisdiction>)> {
        let mut errors = Vec::new();
        let mut code = |r: Result<&'static str, Invalid>| {
            r.map_err(|e| errors.push(e)).ok().map(str::to_string)
        };
        let specialty = nonempty(&self.specialty)
            .and_then(|s| code(Specialty::parse(s).map(Specialty::as_str)));
        let modality =
            nonempty(&self.modality).and_then(|s| code(Modality::parse(s).map(Modality::as_str)));
        let population = nonempty(&self.population)
            .and_then(|s| code(Population::parse(s).map(Population::as_str)));
        let format = nonempty(&self.format)
            .and_then(|s| code(SessionFormat::parse(s).map(SessionFormat::as_str)));
        let language =
            nonempty(&self.language).and_then(|s| code(rapport_core::directory::parse_language(s)));
        let place = match nonempty(&self.country) {
            Some(c) => Jurisdiction::parse(c, nonempty(&self.region))
                .map_err(|e| errors.push(e))
                .ok(),
            None => fallback,
        };
        let fee_min = money("fee_min", &self.fee_min)
            .map_err(|e| {
                errors.extend(
                    e.field_errors()
                        .into_iter()
                        .map(|f| Invalid::new("fee_min", f.message)),
                )
            })
            .ok()
            .flatten();
        let fee_max = money("fee_max", &self.fee_max)
            .map_err(|e| {
                errors.extend(
                    e.field_errors()
                        .into_iter()
                        .map(|f| Invalid::new("fee_max", f.message)),
                )
            })
            .ok()
            .flatten();
        let page = match nonempty(&self.page) {
            None => 1,
            Some(p) => p
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=10_000).contains(p))
                .unwrap_or_else(|| {
                    errors.push(Invalid::new("page", "Pages are numbered from 1."));
                    1
                }),
        };
        let text = nonempty(&self.q).map(|t| t.chars().take(200).collect::<String>());
        if !errors.is_empty() {
            return Err(AppError::Fields(errors));
        }
        let query = SearchQuery {
            text,
            country: place.as_ref().map(|p| p.country().to_string()),
            region: place.as_ref().and_then(|p| p.region().map(str::to_string)),
            specialty,
            modality,
            language,
            population,
            format,
            insurance: nonempty(&self.insurance).map(|s| s.chars().take(60).collect()),
            fee_min_cents: fee_min,
            fee_max_cents: fee_max,
            sliding_scale: nonempty(&self.sliding_scale).is_some(),
            pronouns: nonempty(&self.pronouns).map(|s| s.chars().take(40).collect()),
            lowest_fee_first: nonempty(&self.sort) == Some("fee"),
            limit: PAGE_SIZE,
            offset: (page - 1) * PAGE_SIZE,
            today: today().format("%Y-%m-%d").to_string(),
        };
        Ok((query, place))
    }
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Whether a license counts today (verified and not yet expired).
pub fn counts(l: &License, today: NaiveDate) -> bool {
    let status = CredentialStatus::parse(&l.status).unwrap_or(CredentialStatus::Pending);
    date(&l.expires_on).is_some_and(|e| counts_on(status, e, today))
}

pub fn jurisdiction_of(l: &License) -> Option<Jurisdiction> {
    Jurisdiction::parse(&l.country, l.region.as_deref()).ok()
}

/// "Licensed Professional Counselor, Texas #12345 — verified 3 Nov 2026 by registry
/// lookup — valid until 30 Jun 2027", for each license that counts today. Unverified
/// claims are never described as verified: they are simply not listed.
pub fn verified_lines(licenses: &[License], today: NaiveDate) -> Vec<String> {
    licenses
        .iter()
        .filter(|l| counts(l, today))
        .filter_map(|l| {
            let kind = LicenseType::parse(&l.license_type).ok()?;
            let place = jurisdiction_of(l)?;
            let method = VerificationMethod::parse(l.method.as_deref()?).ok()?;
            let verified_on = rapport_core::time::from_millis(l.decided_at?).date_naive();
            Some(describe_license(
                kind,
                &place,
                &l.number,
                verified_on,
                method,
                date(&l.expires_on)?,
            ))
        })
        .collect()
}

/// A listed therapist's licenses; anyone not listed (no verified license that counts
/// today) is not found, as if they did not exist.
pub async fn listed_licenses(
    state: &crate::platform::state::AppState,
    therapist: &rapport_core::UserId,
) -> AppResult<Vec<License>> {
    let licenses = state.store.licenses_of(therapist).await?;
    if verified_lines(&licenses, today()).is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(licenses)
}

/// Whether any counting license covers a client who will be at `place`.
pub fn licensed_for(licenses: &[License], place: &Jurisdiction, today: NaiveDate) -> bool {
    licenses
        .iter()
        .filter(|l| counts(l, today))
        .filter_map(jurisdiction_of)
        .any(|j| j.covers(place))
}

fn labels<T: Copy>(
    codes: &[String],
    parse: impl Fn(&str) -> Result<T, Invalid>,
    label: impl Fn(T) -> &'static str,
) -> String {
    let words: Vec<&str> = codes
        .iter()
        .filter_map(|c| parse(c).ok())
        .map(&label)
        .collect();
    if words.is_empty() {
        "—".into()
    } else {
        words.join(", ")
    }
}

pub fn specialties(p: &Profile) -> String {
    labels(&p.specialties, Specialty::parse, Specialty::label)
}
pub fn modalities(p: &Profile) -> String {
    labels(&p.modalities, Modality::parse, Modality::label)
}
pub fn populations(p: &Profile) -> String {
    labels(&p.populations, Population::parse, Population::label)
}
pub fn formats(p: &Profile) -> String {
    labels(&p.formats, SessionFormat::parse, SessionFormat::label)
}
pub fn languages(p: &Profile) -> String {
    let names: Vec<&str> = p
        .languages
        .iter()
        .filter_map(|c| language_name(c))
        .collect();
    if names.is_empty() {
        "—".into()
    } else {
        names.join(", ")
    }
}

pub fn fee(p: &Profile) -> String {
    format!("${}", p.fee_cents / 100)
}

/// The signed-in client's own location, which searches default to.
pub async fn client_location(
    state: &crate::platform::state::AppState,
    identity: &crate::platform::auth::Identity,
) -> AppResult<Option<Jurisdiction>> {
    let Some(a) = identity
        .0
        .as_ref()
        .filter(|a| a.role() == rapport_core::Role::Client)
    else {
        return Ok(None);
    };
    Ok(state
        .store
        .location(&a.user.id)
        .await?
        .and_then(|(c, r)| Jurisdiction::parse(&c, r.as_deref()).ok()))
}
