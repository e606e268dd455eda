//! The password rule (OWASP ASVS 5.0, 6.2): 10 to 128 characters, not a common or
//! breached password, not weak by a zxcvbn estimate, and no composition rules.

use crate::Invalid;
use std::collections::HashSet;
use std::io::Read;
use std::sync::OnceLock;

/// The 20,000 most common passwords (Django's list, BSD; see data/LICENSE-common-passwords.txt).
static COMMON_GZ: &[u8] = include_bytes!("../data/common-passwords.txt.gz");

fn common_passwords() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut text = String::new();
        // The list is compiled in; a failure here would be a build defect, so an empty set
        // (the other checks still apply) is the safe degradation rather than a panic.
        let _ = flate2::read::GzDecoder::new(COMMON_GZ).read_to_string(&mut text);
        text.lines()
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Why a new password was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    Common,
    Weak(Option<String>),
}

impl PasswordProblem {
    pub fn message(&self) -> String {
        match self {
            PasswordProblem::TooShort => "Use at least 10 characters. A few unrelated words make a strong, memorable password.".into(),
            PasswordProblem::TooLong => "Use at most 128 characters.".into(),
            PasswordProblem::Common => "That password is on a list of common or breached passwords. Choose another.".into(),
            PasswordProblem::Weak(hint) => match hint {
                Some(h) => format!("That password is easy to guess. {h}"),
                None => "That password is easy to guess. Add another word or two.".into(),
            },
        }
    }
}

/// A password that passed the rule. Its `Debug` never shows the text.
#[derive(Clone)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    /// `context` holds the person's own e-mail and name, which a password must not lean on.
    pub fn parse(raw: &str, context: &[&str]) -> Result<Self, Invalid> {
        Self::check(raw, context)
            .map(|()| Self(raw.to_string()))
            .map_err(|p| Invalid::new("password", p.message()))
    }

    pub fn check(raw: &str, context: &[&str]) -> Result<(), PasswordProblem> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(PasswordProblem::TooShort);
        }
        if n > Self::MAX_CHARS {
            return Err(PasswordProblem::TooLong);
        }
        if common_passwords().contains(&raw.trim().to_lowercase()) {
            return Err(PasswordProblem::Common);
        }
        let estimate = zxcvbn::zxcvbn(raw, context);
        if (estimate.score() as u8) < 3 {
            let hint = estimate
                .feedback()
                .and_then(|f| f.warning().map(|w| w.to_string()));
            return Err(PasswordProblem::Weak(hint));
        }
        Ok(())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds() {
        assert_eq!(
            NewPassword::check("short", &[]),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            NewPassword::check(&"correct horse ".repeat(10), &[]),
            Err(PasswordProblem::TooLong)
        );
    }

    #[test]
    fn common_passwords_are_refused_even_when_long() {
        assert_eq!(
            NewPassword::check("1234567890", &[]),
            Err(PasswordProblem::Common)
        );
        assert_eq!(
            NewPassword::check("qwertyuiop", &[]),
            Err(PasswordProblem::Common)
        );
        assert!(common_passwords().len() > 19_000);
    }

    #[test]
    fn weak_passwords_are_refused_and_strong_ones_pass() {
        assert!(matches!(
            NewPassword::check("aaaaaaaaaaaa", &[]),
            Err(PasswordProblem::Common | PasswordProblem::Weak(_))
        ));
        assert!(matches!(
            NewPassword::check("ana.lee@example.org", &["ana.lee@example.org"]),
            Err(PasswordProblem::Weak(_))
        ));
        // No composition rules: lower-case words alone are fine when long enough.
        assert!(NewPassword::check("lantern orchard tuesday pebble", &[]).is_ok());
    }

    #[test]
    fn debug_hides_the_password() {
        let p = NewPassword::parse("lantern orchard tuesday pebble", &[]).unwrap();
        assert!(!format!("{p:?}").contains("lantern"));
    }
}
