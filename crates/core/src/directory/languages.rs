//! Languages a therapist works in, as ISO 639-1 codes with English names.
//! Sign languages have no ISO 639-1 code (ASL is `ase` in ISO 639-3) and are not listed yet.

use crate::Invalid;

/// ISO 639-1 code and English name, ordered roughly by how many US and UK clients ask.
const LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("es", "Spanish"),
    ("zh", "Chinese"),
    ("tl", "Tagalog"),
    ("vi", "Vietnamese"),
    ("ar", "Arabic"),
    ("fr", "French"),
    ("ko", "Korean"),
    ("ru", "Russian"),
    ("pt", "Portuguese"),
    ("ht", "Haitian Creole"),
    ("hi", "Hindi"),
    ("de", "German"),
    ("pl", "Polish"),
    ("it", "Italian"),
    ("ur", "Urdu"),
    ("fa", "Persian"),
    ("uk", "Ukrainian"),
    ("ja", "Japanese"),
    ("bn", "Bengali"),
    ("pa", "Punjabi"),
    ("gu", "Gujarati"),
    ("ta", "Tamil"),
    ("te", "Telugu"),
    ("tr", "Turkish"),
    ("nl", "Dutch"),
    ("sv", "Swedish"),
    ("no", "Norwegian"),
    ("da", "Danish"),
    ("fi", "Finnish"),
    ("el", "Greek"),
    ("he", "Hebrew"),
    ("yi", "Yiddish"),
    ("ro", "Romanian"),
    ("hu", "Hungarian"),
    ("cs", "Czech"),
    ("sr", "Serbian"),
    ("hr", "Croatian"),
    ("hy", "Armenian"),
    ("so", "Somali"),
    ("am", "Amharic"),
    ("sw", "Swahili"),
    ("yo", "Yoruba"),
    ("th", "Thai"),
    ("id", "Indonesian"),
    ("ms", "Malay"),
    ("km", "Khmer"),
    ("ne", "Nepali"),
    ("ps", "Pashto"),
    ("ga", "Irish"),
    ("cy", "Welsh"),
];

/// Every known language as (code, English name), for forms.
pub fn languages() -> &'static [(&'static str, &'static str)] {
    LANGUAGES
}

/// The English name of an ISO 639-1 code, e.g. `es` → "Spanish".
pub fn language_name(code: &str) -> Option<&'static str> {
    LANGUAGES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code.trim()))
        .map(|&(_, name)| name)
}

/// Reads a language as its code ("es") or English name ("Spanish") and returns the code,
/// so that what is stored is always the lower-case ISO 639-1 code.
pub fn parse_language(raw: &str) -> Result<&'static str, Invalid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Invalid::new("language", "Choose a language."));
    }
    LANGUAGES
        .iter()
        .find(|(code, name)| code.eq_ignore_ascii_case(s) || name.eq_ignore_ascii_case(s))
        .map(|&(code, _)| code)
        .ok_or_else(|| {
            Invalid::new(
                "language",
                "Choose a language from the list, or use its two-letter ISO 639-1 code such as es for Spanish.",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names() {
        assert_eq!(language_name("es"), Some("Spanish"));
        assert_eq!(language_name("ES"), Some("Spanish"));
        assert_eq!(language_name("xx"), None);
        assert_eq!(parse_language(" Spanish ").unwrap(), "es");
        assert_eq!(parse_language("UK").unwrap(), "uk");
        assert!(parse_language("").is_err());
        assert!(parse_language("Klingon").is_err());
    }

    #[test]
    fn table_is_clean() {
        let mut codes: Vec<_> = LANGUAGES.iter().map(|(c, _)| *c).collect();
        assert!(codes
            .iter()
            .all(|c| c.len() == 2 && c.chars().all(|ch| ch.is_ascii_lowercase())));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), LANGUAGES.len());
    }
}
