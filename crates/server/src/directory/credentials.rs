//! Licenses: therapists submit them, admins verify or reject them, and every change is kept.

use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::state::AppState;
use chrono::NaiveDate;
use rapport_core::directory::{Jurisdiction, LicenseNumber, LicenseType, VerificationMethod};
use rapport_core::Invalid;
use rapport_store::directory::{License, NewLicense};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LicenseInput {
    /// e.g. lpc, lcsw, lmft, psychologist.
    pub license_type: String,
    pub number: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// ISO 3166-2 subdivision without the country; empty for a country-wide license.
    #[serde(default)]
    pub region: Option<String>,
    /// YYYY-MM-DD
    pub issued_on: String,
    /// YYYY-MM-DD
    pub expires_on: String,
}

fn day(field: &'static str, s: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        // A license date outside these years is a typing mistake (and date arithmetic
        // near the calendar's ends would overflow).
        .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| Invalid::new(field, "Enter a date as YYYY-MM-DD."))
}

pub async fn submit(state: &AppState, actor: &Actor, input: &LicenseInput) -> AppResult<License> {
    let mut errors = Vec::new();
    let kind = LicenseType::parse(&input.license_type)
        .map_err(|e| errors.push(e))
        .ok();
    let number = LicenseNumber::parse(&input.number)
        .map_err(|e| errors.push(e))
        .ok();
    let region = input
        .region
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let place = Jurisdiction::parse(&input.country, region)
        .map_err(|e| errors.push(e))
        .ok();
    let issued = day("issued_on", &input.issued_on)
        .map_err(|e| errors.push(e))
        .ok();
    let expires = day("expires_on", &input.expires_on)
        .map_err(|e| errors.push(e))
        .ok();
    if let (Some(i), Some(e)) = (issued, expires) {
        if e <= i {
            errors.push(Invalid::new(
                "expires_on",
                "The expiry date must be after the issue date.",
            ));
        }
    }
    let (Some(kind), Some(number), Some(place), Some(issued), Some(expires), true) =
        (kind, number, place, issued, expires, errors.is_empty())
    else {
        return Err(AppError::Fields(errors));
    };
    Ok(state
        .store
        .add_license(
            &actor.user.id,
            NewLicense {
                license_type: kind.as_str(),
                number: number.as_str(),
                country: place.country(),
                region: place.region(),
                issued_on: &issued.format("%Y-%m-%d").to_string(),
                expires_on: &expires.format("%Y-%m-%d").to_string(),
            },
        )
        .await?)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `verify` or `reject`.
    pub decision: String,
    /// For `verify`: registry_lookup, document or both.
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// For `reject`: the reason the therapist will read.
    #[serde(default)]
    pub reason: Option<String>,
}

pub async fn decide(
    state: &AppState,
    admin: &Actor,
    license_id: &str,
    d: &Decision,
) -> AppResult<License> {
    if state.store.license(license_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let note = d
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(500).collect::<String>());
    match d.decision.as_str() {
        "verify" => {
            let method = VerificationMethod::parse(d.method.as_deref().unwrap_or(""))?;
            Ok(state
                .store
                .decide_license(
                    license_id,
                    &admin.user.id,
                    true,
                    method.as_str(),
                    note.as_deref(),
                )
                .await?)
        }
        "reject" => {
            let reason = d.reason.as_deref().map(str::trim).unwrap_or("");
            if reason.chars().count() < 5 || reason.chars().count() > 500 {
                return Err(AppError::Invalid(Invalid::new(
                    "reason",
                    "Give the therapist a reason (5 to 500 characters).",
                )));
            }
            Ok(state
                .store
                .decide_license(license_id, &admin.user.id, false, reason, note.as_deref())
                .await?)
        }
        _ => Err(AppError::Invalid(Invalid::new(
            "decision",
            "Decide `verify` or `reject`.",
        ))),
    }
}

/// E-mails therapists whose verified licenses expire within 60 days, and again within 14,
/// once each. Run by housekeeping; if the server was down on the day, the reminder goes out
/// at the next run instead of never.
pub async fn send_expiry_reminders(state: &AppState, today: NaiveDate) -> AppResult<usize> {
    let mut sent = 0;
    let by = (today + chrono::Days::new(60))
        .format("%Y-%m-%d")
        .to_string();
    for l in state
        .store
        .licenses_expiring(&today.format("%Y-%m-%d").to_string(), &by)
        .await?
    {
        let Ok(expires) = NaiveDate::parse_from_str(&l.expires_on, "%Y-%m-%d") else {
            continue;
        };
        let days_left = (expires - today).num_days();
        let due = if days_left <= 14 { 14 } else { 60 };
        if !state.store.claim_license_reminder(&l.id, due).await? {
            continue;
        }
        if let Some(user) = state
            .store
            .user(&rapport_core::UserId(l.therapist_id.clone()))
            .await?
        {
            crate::directory::mail::license_expiring(state, &user, &l, days_left).await?;
            sent += 1;
        }
    }
    Ok(sent)
}
