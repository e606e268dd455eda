//! Where a therapist is licensed and where a client will be during sessions, as ISO 3166
//! codes. Licensure follows the client's location, so this decides who may be shown.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// ISO 3166-1 alpha-2 codes Rapport accepts, with English short names.
const COUNTRIES: &[(&str, &str)] = &[
    ("US", "United States"),
    ("CA", "Canada"),
    ("GB", "United Kingdom"),
    ("AU", "Australia"),
    ("IE", "Ireland"),
    ("NZ", "New Zealand"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("ES", "Spain"),
    ("PT", "Portugal"),
    ("IT", "Italy"),
    ("NL", "Netherlands"),
    ("BE", "Belgium"),
    ("LU", "Luxembourg"),
    ("CH", "Switzerland"),
    ("AT", "Austria"),
    ("SE", "Sweden"),
    ("NO", "Norway"),
    ("DK", "Denmark"),
    ("FI", "Finland"),
    ("IS", "Iceland"),
    ("PL", "Poland"),
    ("CZ", "Czechia"),
    ("SK", "Slovakia"),
    ("HU", "Hungary"),
    ("RO", "Romania"),
    ("BG", "Bulgaria"),
    ("GR", "Greece"),
    ("HR", "Croatia"),
    ("SI", "Slovenia"),
    ("EE", "Estonia"),
    ("LV", "Latvia"),
    ("LT", "Lithuania"),
    ("UA", "Ukraine"),
    ("TR", "Turkey"),
    ("IL", "Israel"),
    ("AE", "United Arab Emirates"),
    ("SA", "Saudi Arabia"),
    ("EG", "Egypt"),
    ("ZA", "South Africa"),
    ("NG", "Nigeria"),
    ("KE", "Kenya"),
    ("GH", "Ghana"),
    ("MA", "Morocco"),
    ("IN", "India"),
    ("PK", "Pakistan"),
    ("BD", "Bangladesh"),
    ("LK", "Sri Lanka"),
    ("CN", "China"),
    ("HK", "Hong Kong"),
    ("TW", "Taiwan"),
    ("JP", "Japan"),
    ("KR", "South Korea"),
    ("SG", "Singapore"),
    ("MY", "Malaysia"),
    ("TH", "Thailand"),
    ("VN", "Vietnam"),
    ("PH", "Philippines"),
    ("ID", "Indonesia"),
    ("MX", "Mexico"),
    ("BR", "Brazil"),
    ("AR", "Argentina"),
    ("CL", "Chile"),
    ("CO", "Colombia"),
    ("PE", "Peru"),
    ("CR", "Costa Rica"),
    ("JM", "Jamaica"),
];

/// The 50 states, the District of Columbia and Puerto Rico (ISO 3166-2:US).
const US: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("PR", "Puerto Rico"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];

/// Provinces and territories (ISO 3166-2:CA).
const CA: &[(&str, &str)] = &[
    ("AB", "Alberta"),
    ("BC", "British Columbia"),
    ("MB", "Manitoba"),
    ("NB", "New Brunswick"),
    ("NL", "Newfoundland and Labrador"),
    ("NS", "Nova Scotia"),
    ("NT", "Northwest Territories"),
    ("NU", "Nunavut"),
    ("ON", "Ontario"),
    ("PE", "Prince Edward Island"),
    ("QC", "Quebec"),
    ("SK", "Saskatchewan"),
    ("YT", "Yukon"),
];

/// The four nations (ISO 3166-2:GB). HCPC registration is UK-wide, so most UK licenses
/// are country-level; nations matter for clients and for nation-specific registers.
const GB: &[(&str, &str)] = &[
    ("ENG", "England"),
    ("SCT", "Scotland"),
    ("WLS", "Wales"),
    ("NIR", "Northern Ireland"),
];

/// States and territories (ISO 3166-2:AU).
const AU: &[(&str, &str)] = &[
    ("NSW", "New South Wales"),
    ("VIC", "Victoria"),
    ("QLD", "Queensland"),
    ("WA", "Western Australia"),
    ("SA", "South Australia"),
    ("TAS", "Tasmania"),
    ("ACT", "Australian Capital Territory"),
    ("NT", "Northern Territory"),
];

/// Every accepted country as (alpha-2 code, English name), for forms.
pub fn countries() -> &'static [(&'static str, &'static str)] {
    COUNTRIES
}

/// The subdivisions Rapport knows for a country; empty where regions are not used.
pub fn regions(country: &str) -> &'static [(&'static str, &'static str)] {
    match country.trim().to_ascii_uppercase().as_str() {
        "US" => US,
        "CA" => CA,
        "GB" => GB,
        "AU" => AU,
        _ => &[],
    }
}

fn lookup(table: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|&(_, n)| n)
}

/// A country, optionally narrowed to one subdivision: `US-TX`, `CA-ON`, `DE`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "RawJurisdiction")]
pub struct Jurisdiction {
    /// ISO 3166-1 alpha-2, upper case (`US`).
    country: String,
    /// ISO 3166-2 subdivision without the country prefix (`TX`), if any.
    region: Option<String>,
}

/// The unchecked shape, so that deserialising goes through [`Jurisdiction::parse`].
#[derive(Deserialize)]
struct RawJurisdiction {
    country: String,
    region: Option<String>,
}

impl TryFrom<RawJurisdiction> for Jurisdiction {
    type Error = Invalid;
    fn try_from(raw: RawJurisdiction) -> Result<Self, Invalid> {
        Self::parse(&raw.country, raw.region.as_deref())
    }
}

impl Jurisdiction {
    /// Checks the codes against the embedded tables. Case and spaces are forgiven, an
    /// empty region means none, and a region may carry its country prefix (`US-TX`).
    pub fn parse(country: &str, region: Option<&str>) -> Result<Self, Invalid> {
        let country = country.trim().to_ascii_uppercase();
        if country.is_empty() {
            return Err(Invalid::new("country", "Choose a country."));
        }
        let Some(country_name) = lookup(COUNTRIES, &country) else {
            return Err(Invalid::new(
                "country",
                "Choose a country from the list, or use its two-letter ISO code such as US or DE.",
            ));
        };
        let region = region
            .map(|r| r.trim().to_ascii_uppercase())
            .filter(|r| !r.is_empty())
            .map(|r| match r.strip_prefix(&format!("{country}-")) {
                Some(rest) => rest.to_string(),
                None => r,
            });
        let Some(region) = region else {
            return Ok(Self {
                country,
                region: None,
            });
        };
        let table = regions(&country);
        if table.is_empty() {
            return Err(Invalid::new(
                "region",
                format!("Rapport does not use regions for {country_name}: leave the region empty."),
            ));
        }
        if lookup(table, &region).is_none() {
            return Err(Invalid::new(
                "region",
                format!("Choose a region of {country_name} from the list, using its code (for example {}).", table[0].0),
            ));
        }
        Ok(Self {
            country,
            region: Some(region),
        })
    }

    pub fn country(&self) -> &str {
        &self.country
    }

    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// "US-TX" or "DE", as ISO 3166-2 writes it.
    pub fn code(&self) -> String {
        match &self.region {
            Some(r) => format!("{}-{r}", self.country),
            None => self.country.clone(),
        }
    }

    /// The place in plain language: "Texas", "Ontario, Canada", "Scotland", "Germany".
    /// US states and UK nations stand alone because people name them that way.
    pub fn name(&self) -> String {
        let country = lookup(COUNTRIES, &self.country).unwrap_or(&self.country);
        let region = self
            .region
            .as_deref()
            .and_then(|r| lookup(regions(&self.country), r));
        match region {
            None => country.to_string(),
            Some(r) if matches!(self.country.as_str(), "US" | "GB") => r.to_string(),
            Some(r) => format!("{r}, {country}"),
        }
    }

    /// Whether a license held here lets its holder see a client located in `client`.
    /// A country-level license covers the whole country; a regional one only its region.
    pub fn covers(&self, client: &Jurisdiction) -> bool {
        self.country == client.country
            && match &self.region {
                None => true,
                Some(r) => client.region.as_ref() == Some(r),
            }
    }
}

impl std::fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(country: &str, region: Option<&str>) -> Jurisdiction {
        Jurisdiction::parse(country, region).unwrap()
    }

    #[test]
    fn tables_have_the_expected_sizes() {
        assert_eq!(US.len(), 52); // 50 states, DC and Puerto Rico
        assert_eq!(CA.len(), 13);
        assert_eq!(GB.len(), 4);
        assert_eq!(AU.len(), 8);
        assert!(COUNTRIES.len() >= 60);
        for table in [COUNTRIES, US, CA, GB, AU] {
            let mut codes: Vec<_> = table.iter().map(|(c, _)| *c).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), table.len());
        }
    }

    #[test]
    fn parse_normalises() {
        let tx = j(" us ", Some("tx"));
        assert_eq!((tx.country(), tx.region()), ("US", Some("TX")));
        assert_eq!(j("US", Some("US-TX")), tx);
        assert_eq!(j("de", Some("  ")).region(), None);
        assert_eq!(j("GB", None).code(), "GB");
    }

    #[test]
    fn parse_refuses_unknown_places() {
        assert_eq!(Jurisdiction::parse("", None).unwrap_err().field, "country");
        assert_eq!(
            Jurisdiction::parse("XX", None).unwrap_err().field,
            "country"
        );
        assert_eq!(
            Jurisdiction::parse("US", Some("ZZ")).unwrap_err().field,
            "region"
        );
        // Germany has no regions in Rapport, so a region is a mistake, not a detail.
        let err = Jurisdiction::parse("DE", Some("BY")).unwrap_err();
        assert_eq!(err.field, "region");
        assert!(err.message.contains("Germany"));
        // A Canadian code is not an Australian one.
        assert!(Jurisdiction::parse("AU", Some("ON")).is_err());
    }

    #[test]
    fn codes_and_names() {
        assert_eq!(j("US", Some("TX")).code(), "US-TX");
        assert_eq!(j("US", Some("TX")).name(), "Texas");
        assert_eq!(j("CA", Some("ON")).name(), "Ontario, Canada");
        assert_eq!(j("AU", Some("NSW")).name(), "New South Wales, Australia");
        assert_eq!(j("GB", Some("SCT")).name(), "Scotland");
        assert_eq!(j("DE", None).code(), "DE");
        assert_eq!(j("DE", None).name(), "Germany");
    }

    #[test]
    fn coverage_follows_the_client() {
        let tx = j("US", Some("TX"));
        let ok = j("US", Some("OK"));
        assert!(tx.covers(&tx));
        assert!(!tx.covers(&ok));
        assert!(!tx.covers(&j("US", None)));
        let uk = j("GB", None);
        assert!(uk.covers(&j("GB", Some("WLS"))));
        assert!(uk.covers(&uk));
        assert!(!uk.covers(&j("IE", None)));
        assert!(!j("GB", Some("SCT")).covers(&j("GB", Some("ENG"))));
        // Same region code, different country.
        assert!(!j("CA", Some("NT")).covers(&j("AU", Some("NT"))));
    }

    #[test]
    fn deserialising_validates() {
        use serde::de::value::{Error, MapDeserializer};
        // A missing region reads as none; the country still goes through `parse`.
        let de = MapDeserializer::<_, Error>::new([("country", "de")].into_iter());
        assert_eq!(Jurisdiction::deserialize(de).unwrap(), j("DE", None));
        let de = MapDeserializer::<_, Error>::new([("country", "XX")].into_iter());
        assert!(Jurisdiction::deserialize(de).is_err());
    }
}
