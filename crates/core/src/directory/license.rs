//! When a therapist's license counts: only verified and unexpired licenses make a
//! therapist visible to clients in that jurisdiction.

use super::{Jurisdiction, LicenseType};
use crate::Invalid;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a license stands with Rapport's reviewers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CredentialStatus {
    /// Submitted, not yet checked: does not count.
    Pending,
    /// Checked by a reviewer against the board's register or a document.
    Verified,
    /// Could not be confirmed: does not count.
    Rejected,
}

impl CredentialStatus {
    pub const ALL: [CredentialStatus; 3] = [Self::Pending, Self::Verified, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Verified => "verified",
            Self::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Waiting for review",
            Self::Verified => "Verified",
            Self::Rejected => "Not verified",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| Invalid::new("status", "Use pending, verified or rejected."))
    }
}

/// How a reviewer confirmed a license.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    /// Looked up in the licensing board's public register.
    RegistryLookup,
    /// A copy of the license the therapist uploaded.
    Document,
    Both,
}

impl VerificationMethod {
    pub const ALL: [VerificationMethod; 3] = [Self::RegistryLookup, Self::Document, Self::Both];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RegistryLookup => "registry_lookup",
            Self::Document => "document",
            Self::Both => "both",
        }
    }

    /// Reads naturally after "verified … by".
    pub fn label(self) -> &'static str {
        match self {
            Self::RegistryLookup => "registry lookup",
            Self::Document => "document",
            Self::Both => "registry lookup and document",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == raw.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "method",
                    "Say how the license was checked: registry_lookup, document or both.",
                )
            })
    }
}

/// A license number as the board issued it: letters, digits and the separators boards use.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct LicenseNumber(String);

impl LicenseNumber {
    pub const MAX_LEN: usize = 40;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new("number", "Enter the license number."));
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(Invalid::new(
                "number",
                "A license number can be at most 40 characters.",
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | ' '))
        {
            return Err(Invalid::new(
                "number",
                "Enter the license number as printed: letters, digits, spaces, - . or /.",
            ));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LicenseNumber {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<LicenseNumber> for String {
    fn from(n: LicenseNumber) -> String {
        n.0
    }
}

/// Whether a license counts on `today`. It must be verified, and a license stops
/// counting on its expiry date: it counts while `today < expires_on`, so it is already
/// gone on the morning of the day the board lists as its expiry.
pub fn counts_on(status: CredentialStatus, expires_on: NaiveDate, today: NaiveDate) -> bool {
    status == CredentialStatus::Verified && today < expires_on
}

/// How many days before expiry a therapist is reminded to renew, furthest first.
pub const REMINDER_DAYS: [u32; 2] = [60, 14];

/// `Some(60)` or `Some(14)` exactly on the day that many days before `expires_on`, else
/// `None`. A daily job calls this, so each reminder is sent once.
pub fn expiry_reminders_due(expires_on: NaiveDate, today: NaiveDate) -> Option<u32> {
    let days_left = (expires_on - today).num_days();
    REMINDER_DAYS
        .into_iter()
        .find(|&d| i64::from(d) == days_left)
}

/// A verified license in one line, as clients and reviewers read it:
/// "Licensed Professional Counselor, Texas #12345 — verified 3 Nov 2026 by registry lookup —
/// valid until 30 Jun 2027".
pub fn describe_license(
    license_type: LicenseType,
    jurisdiction: &Jurisdiction,
    number: &str,
    verified_on: NaiveDate,
    method: VerificationMethod,
    expires_on: NaiveDate,
) -> String {
    format!(
        "{}, {} #{} — verified {} by {} — valid until {}",
        license_type.label(),
        jurisdiction.name(),
        number.trim(),
        verified_on.format("%-d %b %Y"),
        method.label(),
        expires_on.format("%-d %b %Y"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn only_verified_unexpired_licenses_count() {
        let expires = d(2027, 6, 30);
        assert!(counts_on(
            CredentialStatus::Verified,
            expires,
            d(2027, 6, 29)
        ));
        assert!(!counts_on(
            CredentialStatus::Verified,
            expires,
            d(2027, 6, 30)
        ));
        assert!(!counts_on(
            CredentialStatus::Verified,
            expires,
            d(2027, 7, 1)
        ));
        assert!(!counts_on(
            CredentialStatus::Pending,
            expires,
            d(2026, 1, 1)
        ));
        assert!(!counts_on(
            CredentialStatus::Rejected,
            expires,
            d(2026, 1, 1)
        ));
    }

    #[test]
    fn reminders_fall_on_exact_days() {
        let expires = d(2027, 6, 30);
        assert_eq!(expiry_reminders_due(expires, d(2027, 5, 1)), Some(60));
        assert_eq!(expiry_reminders_due(expires, d(2027, 6, 16)), Some(14));
        for today in [
            d(2027, 4, 30),
            d(2027, 5, 2),
            d(2027, 6, 15),
            d(2027, 6, 30),
        ] {
            assert_eq!(expiry_reminders_due(expires, today), None, "{today}");
        }
    }

    #[test]
    fn description_is_one_plain_line() {
        let tx = Jurisdiction::parse("US", Some("TX")).unwrap();
        assert_eq!(
            describe_license(
                LicenseType::Lpc,
                &tx,
                "12345",
                d(2026, 11, 3),
                VerificationMethod::RegistryLookup,
                d(2027, 6, 30),
            ),
            "Licensed Professional Counselor, Texas #12345 — verified 3 Nov 2026 by registry lookup — valid until 30 Jun 2027"
        );
        let on = Jurisdiction::parse("CA", Some("ON")).unwrap();
        assert!(describe_license(
            LicenseType::RegisteredPsychotherapist,
            &on,
            "001",
            d(2026, 1, 9),
            VerificationMethod::Both,
            d(2027, 1, 9),
        )
        .contains("Ontario, Canada #001 — verified 9 Jan 2026 by registry lookup and document"));
    }

    #[test]
    fn codes_round_trip() {
        for s in CredentialStatus::ALL {
            assert_eq!(CredentialStatus::parse(s.as_str()).unwrap(), s);
        }
        for m in VerificationMethod::ALL {
            assert_eq!(VerificationMethod::parse(m.as_str()).unwrap(), m);
        }
        assert!(CredentialStatus::parse("approved").is_err());
    }

    #[test]
    fn license_numbers_are_checked() {
        assert_eq!(
            LicenseNumber::parse(" LPC-12345 ").unwrap().as_str(),
            "LPC-12345"
        );
        assert!(LicenseNumber::parse("").is_err());
        assert!(LicenseNumber::parse("12345; DROP").is_err());
        assert!(LicenseNumber::parse(&"1".repeat(41)).is_err());
    }
}
