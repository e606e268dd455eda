//! Generates therapists with realistic variety from a seeded RNG (`load` writes them).

use crate::data::*;
use chrono::{Days, NaiveDate};
use rand::distributions::WeightedIndex;
use rand::prelude::*;
use rapport_core::directory::{Modality, Population, Specialty};
use rapport_store::directory::ProfileInput;

pub struct GenLicense {
    pub id: String,
    pub license_type: &'static str,
    pub number: String,
    pub country: &'static str,
    pub region: Option<&'static str>,
    pub issued_on: String,
    pub expires_on: String,
    /// `None` while pending; `Some((verified, method, note))` once decided.
    pub decision: Option<(bool, String, Option<String>)>,
    pub created_at: i64,
    pub decided_at: i64,
}

pub struct GenTherapist {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub pronouns: Option<&'static str>,
    pub time_zone: &'static str,
    pub created_at: i64,
    pub profile: ProfileInput,
    pub licenses: Vec<GenLicense>,
}

/// A UUID v4 in text form, from the seeded RNG so that runs are reproducible.
pub fn uuid(rng: &mut StdRng) -> String {
    let mut b: [u8; 16] = rng.gen();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub fn phrases_of(
    table: &'static [(&str, &'static [&'static str])],
    code: &str,
) -> &'static [&'static str] {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, p)| *p)
        .unwrap_or(&[])
}

fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let w = WeightedIndex::new(items.iter().map(|(_, w)| *w)).expect("weights");
    items[w.sample(rng)].0
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    *items.choose(rng).expect("non-empty list")
}

/// `k` distinct items.
fn some<T: Copy>(rng: &mut StdRng, items: &[T], k: usize) -> Vec<T> {
    items
        .choose_multiple(rng, k.min(items.len()))
        .copied()
        .collect()
}

/// Places weighted by population, precomputed once.
pub struct Places {
    us: WeightedIndex<u32>,
    ca: WeightedIndex<u32>,
    gb: WeightedIndex<u32>,
    au: WeightedIndex<u32>,
    backgrounds: WeightedIndex<u32>,
}

impl Places {
    pub fn new() -> Self {
        let w =
            |t: &[(&str, u32, &str)]| WeightedIndex::new(t.iter().map(|x| x.1)).expect("weights");
        Places {
            us: w(US_STATES),
            ca: w(CA_PROVINCES),
            gb: w(GB_NATIONS),
            au: w(AU_STATES),
            backgrounds: WeightedIndex::new(BACKGROUNDS.iter().map(|b| b.weight)).expect("weights"),
        }
    }

    /// A US state weighted by population.
    pub fn us_state(&self, rng: &mut StdRng) -> (&'static str, &'static str) {
        let (code, _, tz) = US_STATES[self.us.sample(rng)];
        (code, tz)
    }

    /// A country (US 88%, CA 5%, GB 4%, AU 3%) and a region in it, with its time zone.
    pub fn place(&self, rng: &mut StdRng) -> (&'static str, &'static str, &'static str) {
        let (country, table, idx) = match rng.gen_range(0..100) {
            0..=87 => ("US", US_STATES, self.us.sample(rng)),
            88..=92 => ("CA", CA_PROVINCES, self.ca.sample(rng)),
            93..=96 => ("GB", GB_NATIONS, self.gb.sample(rng)),
            _ => ("AU", AU_STATES, self.au.sample(rng)),
        };
        let (region, _, tz) = table[idx];
        (country, region, tz)
    }
}

impl Default for Places {
    fn default() -> Self {
        Self::new()
    }
}

/// The phrases a template's placeholders take: {s}/{s2} concerns, {m}/{m2} approaches,
/// {p} a general phrase, {place} where they practise.
struct Words<'a> {
    s: &'a str,
    s2: &'a str,
    m: &'a str,
    m2: &'a str,
    p: &'a str,
    place: &'a str,
}

fn fill(template: &str, w: &Words<'_>, rng: &mut StdRng) -> String {
    template
        .replace("{s2}", w.s2)
        .replace("{s}", w.s)
        .replace("{m2}", w.m2)
        .replace("{m}", w.m)
        .replace("{p}", w.p)
        .replace("{n}", &rng.gen_range(3..25).to_string())
        .replace("{job}", pick(rng, JOBS))
        .replace("{who}", pick(rng, WHO))
        .replace("{place}", w.place)
}

pub struct Generator {
    pub rng: StdRng,
    places: Places,
    today: NaiveDate,
    now_ms: i64,
}

impl Generator {
    pub fn new(seed: u64, today: NaiveDate, now_ms: i64) -> Self {
        Generator {
            rng: StdRng::seed_from_u64(seed),
            places: Places::new(),
            today,
            now_ms,
        }
    }

    fn date(&self, days_from_today: i64) -> String {
        let d = if days_from_today >= 0 {
            self.today
                .checked_add_days(Days::new(days_from_today.unsigned_abs()))
        } else {
            self.today
                .checked_sub_days(Days::new(days_from_today.unsigned_abs()))
        };
        d.expect("date in range").format("%Y-%m-%d").to_string()
    }

    fn license(&mut self, country: &'static str, region: &'static str) -> GenLicense {
        let rng = &mut self.rng;
        let license_type = match country {
            "US" => weighted(rng, US_LICENSES),
            "CA" => weighted(rng, CA_LICENSES),
            "GB" => weighted(rng, GB_LICENSES),
            _ => weighted(rng, AU_LICENSES),
        };
        let digits: u32 = rng.gen_range(1000..999_999);
        let number = match country {
            "US" => format!("{}-{digits}", license_type.to_uppercase()),
            "GB" => format!("PYL{digits:06}"),
            "AU" => format!("PSY{:010}", u64::from(digits) * 7),
            _ => format!("{digits}"),
        };
        // HCPC registration is UK-wide: country-level; elsewhere licenses are regional.
        let region = (country != "GB").then_some(region);
        let roll = rng.gen_range(0..1000);
        let issued_days_ago = rng.gen_range(200..7000);
        let created_at = self.now_ms - rng.gen_range(1..3 * 365) * 86_400_000;
        let decided_at = created_at + rng.gen_range(3_600_000..14 * 86_400_000);
        // 85% verified (about 4 points of which have since expired), 9% pending, 6% rejected.
        let (decision, expires_in) = match roll {
            0..=809 => (
                Some((
                    true,
                    pick(
                        rng,
                        &["registry_lookup", "registry_lookup", "document", "both"],
                    )
                    .to_string(),
                    None,
                )),
                rng.gen_range(20..900),
            ),
            810..=849 => (
                Some((
                    true,
                    "registry_lookup".to_string(),
                    Some("renewal not yet submitted".to_string()),
                )),
                -rng.gen_range(1..400),
            ),
            850..=939 => (None, rng.gen_range(60..900)),
            _ => (
                Some((
                    false,
                    pick(
                        rng,
                        &[
                            "No record of this number on the board's register.",
                            "The name on the document does not match the account.",
                            "The license on the register is inactive.",
                        ],
                    )
                    .to_string(),
                    None,
                )),
                rng.gen_range(60..900),
            ),
        };
        GenLicense {
            id: uuid(&mut self.rng),
            license_type,
            number,
            country,
            region,
            issued_on: self.date(-issued_days_ago),
            expires_on: self.date(expires_in),
            decision,
            created_at,
            decided_at,
        }
    }

    pub fn therapist(&mut self, i: usize) -> GenTherapist {
        let (country, region, time_zone) = self.places.place(&mut self.rng);
        let rng = &mut self.rng;
        let bg = &BACKGROUNDS[self.places.backgrounds.sample(rng)];

        // Name and pronouns.
        let gender_roll = rng.gen_range(0..100);
        let (first, pronouns, gender) = match gender_roll {
            0..=61 => (
                pick(rng, bg.female),
                pick(
                    rng,
                    &[Some("she/her"), Some("she/her"), Some("she/they"), None],
                ),
                "woman",
            ),
            62..=92 => (
                pick(rng, bg.male),
                pick(
                    rng,
                    &[Some("he/him"), Some("he/him"), Some("he/they"), None],
                ),
                "man",
            ),
            _ => (
                pick(
                    rng,
                    if bg.neutral.is_empty() {
                        bg.female
                    } else {
                        bg.neutral
                    },
                ),
                pick(
                    rng,
                    &[
                        Some("they/them"),
                        Some("they/them"),
                        Some("she/they"),
                        Some("he/they"),
                    ],
                ),
                "non-binary",
            ),
        };
        let mut last = pick(rng, bg.surnames).to_string();
        if rng.gen_bool(0.05) {
            last = format!("{last}-{}", pick(rng, bg.surnames));
        }
        let display_name = if rng.gen_bool(0.06) {
            let initial = (b'A' + rng.gen_range(0..26u8)) as char;
            format!("{first} {initial}. {last}")
        } else {
            format!("{first} {last}")
        };

        // What they work with and how.
        let n_spec = weighted(rng, &[(1usize, 15), (2, 35), (3, 32), (4, 18)]);
        let specialties = some(rng, Specialty::ALL, n_spec);
        let n_mod = weighted(rng, &[(1usize, 30), (2, 45), (3, 25)]);
        let modalities = some(rng, Modality::ALL, n_mod);
        let mut populations = vec![];
        if rng.gen_bool(0.85) {
            populations.push(Population::Adults);
        }
        let others: Vec<Population> = Population::ALL
            .iter()
            .copied()
            .filter(|p| *p != Population::Adults)
            .collect();
        let extra = rng.gen_range(if populations.is_empty() { 1 } else { 0 }..=2);
        populations.extend(some(rng, &others, extra));

        // Languages: English nearly always; Spanish about one in five overall.
        let mut languages = vec![];
        let spanish_pct = if country == "US" && region == "PR" {
            95
        } else if bg.languages == ["es"] {
            bg.language_pct
        } else if country == "US" && SPANISH_HEAVY.contains(&region) {
            9
        } else if country == "US" {
            5
        } else {
            2
        };
        if !(country == "US" && region == "PR" && rng.gen_bool(0.3)) {
            languages.push("en");
        }
        if rng.gen_range(0..100) < spanish_pct {
            languages.push("es");
        }
        if !bg.languages.is_empty()
            && bg.languages != ["es"]
            && rng.gen_range(0..100) < bg.language_pct
        {
            languages.push(pick(rng, bg.languages));
        }
        if languages.is_empty() {
            languages.push("en");
        }
        if country == "CA" && region == "QC" && rng.gen_bool(0.7) {
            languages.push("fr");
        }
        if rng.gen_bool(0.02) {
            languages.push(pick(rng, &["fr", "de", "pt", "ru", "zh", "ar"]));
        }
        let mut seen = vec![];
        languages.retain(|l| {
            let fresh = !seen.contains(l);
            seen.push(*l);
            fresh
        });

        let mut formats = vec![];
        if rng.gen_bool(0.92) {
            formats.push("video");
        }
        if formats.is_empty() || rng.gen_bool(0.5) {
            formats.push("messaging");
        }

        let insurers = match country {
            "US" => US_INSURANCE,
            "CA" => CA_INSURANCE,
            "GB" => GB_INSURANCE,
            _ => AU_INSURANCE,
        };
        let insurance: Vec<String> = if rng.gen_bool(0.6) {
            let k = rng.gen_range(1..=5);
            some(rng, insurers, k)
                .into_iter()
                .map(str::to_string)
                .collect()
        } else {
            vec![]
        };
        // $60–$250 in $5 steps, most between $100 and $180.
        let u: f64 = (rng.gen::<f64>() + rng.gen::<f64>()) / 2.0;
        let fee_cents = 6_000 + ((19_000.0 * u) / 500.0).round() as i64 * 500;
        let sliding_scale = rng.gen_bool(0.4);

        // Introductions assembled from the phrase banks.
        let spec_phrase = |rng: &mut StdRng, k: usize| {
            let s = specialties[k % specialties.len()];
            pick(rng, phrases_of(SPECIALTY_PHRASES, s.as_str()))
        };
        let mod_phrase = |rng: &mut StdRng, k: usize| {
            let m = modalities[k % modalities.len()];
            pick(rng, phrases_of(MODALITY_PHRASES, m.as_str()))
        };
        let place_name = rapport_core::directory::Jurisdiction::parse(country, Some(region))
            .map(|j| j.name())
            .unwrap_or_else(|_| country.to_string());
        let (s, s2) = (spec_phrase(rng, 0), spec_phrase(rng, 1));
        let s2 = if s2 == s { "stress" } else { s2 };
        let (m, m2) = (mod_phrase(rng, 0), mod_phrase(rng, 1));
        let m2 = if m2 == m { "practical tools" } else { m2 };
        let p = pick(rng, GENERAL_PHRASES);
        let words = Words {
            s,
            s2,
            m,
            m2,
            p,
            place: &place_name,
        };
        let short_intro = fill(pick(rng, SHORT_TEMPLATES), &words, rng);
        let mut sentences = vec![];
        let templates: Vec<&str> = some(rng, LONG_SPECIALTY, specialties.len().min(3));
        for (k, template) in templates.into_iter().enumerate() {
            let (a, b) = (spec_phrase(rng, k), spec_phrase(rng, k + 1));
            let b = if a == b { "everyday stress" } else { b };
            sentences.push(fill(
                template,
                &Words {
                    s: a,
                    s2: b,
                    ..words
                },
                rng,
            ));
        }
        let (ma, mb) = (mod_phrase(rng, 0), mod_phrase(rng, 1));
        let mb = if ma == mb { "practical tools" } else { mb };
        sentences.push(fill(
            pick(rng, LONG_MODALITY),
            &Words {
                m: ma,
                m2: mb,
                ..words
            },
            rng,
        ));
        let k = rng.gen_range(1..=3);
        for template in some(rng, LONG_GENERAL, k) {
            let p = pick(rng, GENERAL_PHRASES);
            sentences.push(fill(template, &Words { p, ..words }, rng));
        }
        if languages.contains(&"es") {
            sentences.push("Ofrezco sesiones en español.".to_string());
        }
        sentences.dedup();
        let long_intro = if rng.gen_bool(0.3) {
            // A longer profile: two paragraphs.
            let half = sentences.len() / 2;
            format!(
                "{}\n\n{}",
                sentences[..half].join(" "),
                sentences[half..].join(" ")
            )
        } else {
            sentences.join(" ")
        };

        let profile = ProfileInput {
            short_intro,
            long_intro,
            first_session: pick(rng, FIRST_SESSION).to_string(),
            modalities: modalities.iter().map(|m| m.as_str().to_string()).collect(),
            specialties: specialties.iter().map(|s| s.as_str().to_string()).collect(),
            populations: populations.iter().map(|p| p.as_str().to_string()).collect(),
            languages: languages.iter().map(|l| l.to_string()).collect(),
            formats: formats.iter().map(|f| f.to_string()).collect(),
            insurance,
            fee_cents,
            sliding_scale,
            office_hours: pick(rng, OFFICE_HOURS).to_string(),
            reply_within_hours: pick(rng, &[4, 12, 24, 24, 24, 48, 48, 72]),
            gender: rng.gen_bool(0.65).then(|| gender.to_string()),
            faith: rng.gen_bool(0.15).then(|| pick(rng, FAITHS).to_string()),
            cultural_background: (!bg.cultures.is_empty() && rng.gen_bool(0.25))
                .then(|| pick(rng, bg.cultures).to_string()),
        };
        let created_at = self.now_ms - rng.gen_range(1..4 * 365) * 86_400_000;

        // One license where they live; 30% hold a second one (another region of the same
        // country, weighted by population; UK registration already covers the country).
        let mut licenses = vec![self.license(country, region)];
        if country != "GB" && self.rng.gen_bool(0.3) {
            let second = match country {
                "US" => self.places.us_state(&mut self.rng).0,
                "CA" => CA_PROVINCES[self.places.ca.sample(&mut self.rng)].0,
                _ => AU_STATES[self.places.au.sample(&mut self.rng)].0,
            };
            if second != region {
                licenses.push(self.license(country, second));
            }
        }

        GenTherapist {
            id: uuid(&mut self.rng),
            email: format!("therapist{i}@bench.rapport.localhost"),
            display_name,
            pronouns,
            time_zone,
            created_at,
            profile,
            licenses,
        }
    }
}
