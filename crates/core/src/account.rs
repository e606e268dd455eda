//! Who a person is on Rapport: role, e-mail, how they are addressed, their time zone.
//! Each type is parsed once at the edge ("parse, don't validate") and trusted after.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// What an account may do. Clinicians (therapists) and admins must use MFA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Client,
    Therapist,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Client, Role::Therapist, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Therapist => "therapist",
            Role::Admin => "admin",
        }
    }

    /// Therapists and admins reach clinical or operational data: they need a second factor.
    pub fn requires_mfa(self) -> bool {
        !matches!(self, Role::Client)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Client => "Client",
            Role::Therapist => "Therapist",
            Role::Admin => "Administrator",
        }
    }
}

impl FromStr for Role {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        match s {
            "client" => Ok(Role::Client),
            "therapist" => Ok(Role::Therapist),
            "admin" => Ok(Role::Admin),
            _ => Err(Invalid::new(
                "role",
                "Choose a role: client, therapist or admin.",
            )),
        }
    }
}

/// An e-mail address, trimmed and lower-cased so that one person has one account.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim().to_lowercase();
        let bad = || Invalid::new("email", "Enter an e-mail address like name@example.org.");
        if s.is_empty() {
            return Err(Invalid::new("email", "Enter your e-mail address."));
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(Invalid::new(
                "email",
                "That e-mail address is longer than 254 characters.",
            ));
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(s))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Email {
    // Addresses are personal data: keep them out of debug output and so out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Email([redacted])")
    }
}

impl TryFrom<String> for Email {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

fn bounded_text(field: &'static str, raw: &str, max: usize, what: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.chars().count() > max {
        return Err(Invalid::new(
            field,
            format!("{what} can be at most {max} characters."),
        ));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(Invalid::new(
            field,
            format!("{what} cannot contain control characters."),
        ));
    }
    Ok(s.to_string())
}

/// The name a person wants to be called by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_LEN: usize = 80;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = bounded_text("display_name", raw, Self::MAX_LEN, "Your name")?;
        if s.is_empty() {
            return Err(Invalid::new(
                "display_name",
                "Enter the name you would like to be called.",
            ));
        }
        Ok(Self(s))
    }

    /// A name someone chooses for themselves (sign-up, profile): as [`parse`](Self::parse),
    /// and it may not pass for the platform or its staff ("Rapport Support", "Admin",
    /// "R\u{0430}pport Team" with a Cyrillic a…), so nobody can write to a client as them.
    /// Operators naming staff accounts from the command line use `parse`.
    pub fn parse_own(raw: &str) -> Result<Self, Invalid> {
        let name = Self::parse(raw)?;
        if impersonates_staff(&name.0) {
            return Err(Invalid::new(
                "display_name",
                "Choose a name of your own: names that look like Rapport or its staff (such as \"Rapport Support\" or \"Admin\") are not allowed.",
            ));
        }
        Ok(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Words that present a name as the platform or its staff. Hand-written: no crate covers
/// this, and the list is short on purpose (a false refusal costs a person their name).
const STAFF_WORDS: &[&str] = &[
    "rapport",
    "support",
    "admin",
    "administrator",
    "moderator",
    "staff",
    "official",
    "helpdesk",
    "noreply",
    "security",
    "system",
    "team",
];

/// Letters that look alike across scripts, folded to the Latin letter they imitate, and
/// digits and signs used as letters.
fn fold(c: char) -> Option<char> {
    let c = c.to_lowercase().next().unwrap_or(c);
    Some(match c {
        'а' | 'α' | '@' | 'à' | 'á' | 'â' | 'ä' => 'a',
        'е' | 'ε' | '3' | 'è' | 'é' | 'ê' | 'ë' => 'e',
        'о' | 'ο' | '0' | 'ò' | 'ó' | 'ô' | 'ö' => 'o',
        'р' | 'ρ' => 'p',
        'с' | 'ϲ' => 'c',
        'у' | 'ү' => 'y',
        'х' | 'χ' => 'x',
        'і' | 'ı' | 'í' | 'ì' | '1' | '!' | '|' => 'i',
        'ѕ' | '$' | '5' => 's',
        'т' | 'τ' | '7' => 't',
        'м' => 'm',
        'п' => 'n',
        'к' | 'κ' => 'k',
        'ԁ' => 'd',
        'ո' => 'n',
        c if c.is_alphanumeric() => c,
        _ => return None,
    })
}

fn impersonates_staff(name: &str) -> bool {
    // Word by word ("Ana from Support"), and squeezed together ("R.a.p.p.o.r.t",
    // "RapportSupport"), after folding look-alike letters.
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric() && !"@$!|".contains(c))
        .map(|w| w.chars().filter_map(fold).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect();
    if words.iter().any(|w| STAFF_WORDS.contains(&w.as_str())) {
        return true;
    }
    // Squeezed, only the platform's own name: staff words inside longer words are
    // ordinary ("Supportive", "Badminton").
    let squeezed: String = name.chars().filter_map(fold).collect();
    squeezed.contains("rapport")
}

/// Optional pronouns, in the person's own words ("she/her", "they/them").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Pronouns(Option<String>);

impl Pronouns {
    pub const MAX_LEN: usize = 40;

    pub fn parse(raw: Option<&str>) -> Result<Self, Invalid> {
        let s = bounded_text("pronouns", raw.unwrap_or(""), Self::MAX_LEN, "Pronouns")?;
        Ok(Self((!s.is_empty()).then_some(s)))
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// An IANA time zone name such as `America/Chicago`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new("time_zone", "Choose your time zone."));
        }
        match chrono_tz::Tz::from_str(s) {
            Ok(tz) => Ok(Self(tz.name().to_string())),
            Err(_) => Err(Invalid::new(
                "time_zone",
                "Use a time zone name like America/Chicago or Europe/Berlin.",
            )),
        }
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        chrono_tz::Tz::from_str(&self.0).unwrap_or(chrono_tz::UTC)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for TimeZoneName {
    fn default() -> Self {
        Self("UTC".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ana.Lee@Example.ORG ").unwrap().as_str(),
            "ana.lee@example.org"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.org",
            "ana@example",
            "a b@x.org",
            "a..b@x.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Email::parse(&format!("{}@example.org", "a".repeat(300))).is_err());
    }

    #[test]
    fn email_debug_is_redacted() {
        let e = Email::parse("secret@example.org").unwrap();
        assert!(!format!("{e:?}").contains("secret"));
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            TimeZoneName::parse("Europe/Berlin").unwrap().as_str(),
            "Europe/Berlin"
        );
        assert!(TimeZoneName::parse("Mars/Olympus").is_err());
        assert!(TimeZoneName::parse("").is_err());
    }

    #[test]
    fn names_are_bounded() {
        assert!(DisplayName::parse("  ").is_err());
        assert!(DisplayName::parse(&"x".repeat(81)).is_err());
        assert!(DisplayName::parse("Ana\u{0007}").is_err());
        assert_eq!(Pronouns::parse(Some("  ")).unwrap().as_deref(), None);
        assert_eq!(
            Pronouns::parse(Some("they/them")).unwrap().as_deref(),
            Some("they/them")
        );
    }

    #[test]
    fn self_chosen_names_cannot_pass_for_the_platform_or_its_staff() {
        for bad in [
            "Rapport Support",
            "rapport",
            "Ana (Support)",
            "Admin",
            "The Rapport Team",
            "R.a.p.p.o.r.t",
            "RapportSupport",
            "R\u{0430}pport Security", // Cyrillic а
            "Rapp0rt",
            "SUPPORT DESK",
            "Site Administrator",
        ] {
            assert!(DisplayName::parse_own(bad).is_err(), "{bad}");
        }
        for good in [
            "Ana María Lee",
            "Dr. Jamal Okafor",
            "Zoë",
            "李小龍",
            "Teamira Jones",
            "Supportive Sam",
            "Badminton Fan",
        ] {
            assert!(DisplayName::parse_own(good).is_ok(), "{good}");
        }
        assert!(
            DisplayName::parse("Rapport Support").is_ok(),
            "operators may name staff accounts"
        );
    }

    #[test]
    fn only_clients_may_skip_mfa() {
        assert!(!Role::Client.requires_mfa());
        assert!(Role::Therapist.requires_mfa());
        assert!(Role::Admin.requires_mfa());
    }
}
