//! Demo data: an admin, twelve therapists (with profiles and licenses that are verified,
//! pending, rejected and expired across several jurisdictions) and five clients, created once
//! (running the demo again finds them and adds nothing). Therapists and the admin set up two-step
//! verification at their first login, as real clinicians do.

use rapport_core::{DisplayName, Email, Pronouns, Role, TimeZoneName};
use rapport_server::platform::auth::password;
use rapport_store::users::NewUser;
use rapport_store::{Store, StoreError};

/// The one password of every demo account (never use demo mode with real people).
pub const DEMO_PASSWORD: &str = "rapport-demo-passphrase";

pub struct DemoLogin {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
}

const PEOPLE: &[(&str, &str, Option<&str>, &str, Role)] = &[
    (
        "admin@demo.rapport.localhost",
        "Morgan Ellis",
        Some("they/them"),
        "America/New_York",
        Role::Admin,
    ),
    (
        "dr.lee@demo.rapport.localhost",
        "Dr. Hannah Lee",
        Some("she/her"),
        "America/Chicago",
        Role::Therapist,
    ),
    (
        "marcus.johnson@demo.rapport.localhost",
        "Marcus Johnson, LCSW",
        Some("he/him"),
        "America/New_York",
        Role::Therapist,
    ),
    (
        "sofia.ramirez@demo.rapport.localhost",
        "Sofía Ramírez, LMFT",
        Some("she/her"),
        "America/Los_Angeles",
        Role::Therapist,
    ),
    (
        "priya.natarajan@demo.rapport.localhost",
        "Dr. Priya Natarajan",
        Some("she/her"),
        "America/Chicago",
        Role::Therapist,
    ),
    (
        "james.okafor@demo.rapport.localhost",
        "James Okafor, LPC",
        Some("he/him"),
        "America/Denver",
        Role::Therapist,
    ),
    (
        "alex.kim@demo.rapport.localhost",
        "Alex Kim, LCSW",
        Some("they/them"),
        "America/Los_Angeles",
        Role::Therapist,
    ),
    (
        "rachel.goldberg@demo.rapport.localhost",
        "Dr. Rachel Goldberg",
        Some("she/her"),
        "America/New_York",
        Role::Therapist,
    ),
    (
        "tomas.novak@demo.rapport.localhost",
        "Tomás Novak, LPCC",
        Some("he/him"),
        "America/Phoenix",
        Role::Therapist,
    ),
    (
        "aisha.rahman@demo.rapport.localhost",
        "Aisha Rahman, LMHC",
        Some("she/her"),
        "America/New_York",
        Role::Therapist,
    ),
    (
        "daniel.whitehorse@demo.rapport.localhost",
        "Daniel Whitehorse, LPC",
        Some("he/him"),
        "America/Denver",
        Role::Therapist,
    ),
    (
        "mei.chen@demo.rapport.localhost",
        "Dr. Mei Chen",
        Some("she/her"),
        "America/Los_Angeles",
        Role::Therapist,
    ),
    (
        "claire.dubois@demo.rapport.localhost",
        "Claire Dubois, psychotherapist",
        Some("she/her"),
        "Europe/Paris",
        Role::Therapist,
    ),
    (
        "jordan@demo.rapport.localhost",
        "Jordan",
        Some("he/him"),
        "America/Chicago",
        Role::Client,
    ),
    (
        "maria@demo.rapport.localhost",
        "María",
        Some("she/her"),
        "America/Los_Angeles",
        Role::Client,
    ),
    (
        "sam@demo.rapport.localhost",
        "Sam",
        Some("they/them"),
        "America/New_York",
        Role::Client,
    ),
    (
        "li.wei@demo.rapport.localhost",
        "Li Wei",
        None,
        "America/Denver",
        Role::Client,
    ),
    (
        "fatima@demo.rapport.localhost",
        "Fatima",
        Some("she/her"),
        "Europe/London",
        Role::Client,
    ),
];

/// (email, intro, specialties, modalities, languages, fee in dollars, sliding scale, insurance)
type ProfileSeed = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    i64,
    bool,
    &'static [&'static str],
);

const PROFILES: &[ProfileSeed] = &[
    (
        "dr.lee@demo.rapport.localhost",
        "Calm, practical help with anxiety, panic and perfectionism.",
        &["anxiety", "stress", "ocd"],
        &["cbt", "act"],
        &["en"],
        140,
        true,
        &["Aetna", "Blue Cross Blue Shield"],
    ),
    (
        "marcus.johnson@demo.rapport.localhost",
        "Supporting men and families through grief, anger and big life changes.",
        &["grief", "anger", "life_transitions"],
        &["person_centred", "solution_focused"],
        &["en"],
        120,
        true,
        &["Cigna"],
    ),
    (
        "sofia.ramirez@demo.rapport.localhost",
        "Terapia bilingüe para parejas y familias. Bilingual couples and family therapy.",
        &["relationships", "parenting", "depression"],
        &["family_systems", "gottman"],
        &["en", "es"],
        110,
        true,
        &["Medi-Cal"],
    ),
    (
        "priya.natarajan@demo.rapport.localhost",
        "Evidence-based care for depression, bipolar disorder and trauma.",
        &["depression", "bipolar", "trauma"],
        &["cbt", "dbt"],
        &["en", "hi", "ta"],
        180,
        false,
        &["Aetna", "UnitedHealthcare"],
    ),
    (
        "james.okafor@demo.rapport.localhost",
        "Trauma-informed therapy for veterans and first responders.",
        &["trauma", "substance_use", "sleep"],
        &["emdr", "cbt"],
        &["en"],
        130,
        true,
        &["TRICARE"],
    ),
    (
        "alex.kim@demo.rapport.localhost",
        "Affirming therapy for LGBTQ+ adults and young people.",
        &["lgbtq_issues", "anxiety", "self_esteem"],
        &["act", "narrative"],
        &["en", "ko"],
        100,
        true,
        &[],
    ),
    (
        "rachel.goldberg@demo.rapport.localhost",
        "Psychodynamic therapy for long-standing patterns in relationships.",
        &["relationships", "depression", "self_esteem"],
        &["psychodynamic"],
        &["en", "he"],
        220,
        false,
        &[],
    ),
    (
        "tomas.novak@demo.rapport.localhost",
        "Helping people recover from addiction and rebuild their lives.",
        &["substance_use", "stress", "anger"],
        &["motivational_interviewing", "cbt"],
        &["en", "es", "cs"],
        90,
        true,
        &["Medicaid"],
    ),
    (
        "aisha.rahman@demo.rapport.localhost",
        "Culturally responsive care for anxiety, depression and identity.",
        &["anxiety", "depression", "life_transitions"],
        &["cbt", "mindfulness_based"],
        &["en", "ar", "ur"],
        125,
        true,
        &["Blue Cross Blue Shield"],
    ),
    (
        "daniel.whitehorse@demo.rapport.localhost",
        "Grief, trauma and healing rooted in community and culture.",
        &["grief", "trauma"],
        &["narrative", "somatic"],
        &["en"],
        95,
        true,
        &["IHS"],
    ),
    (
        "mei.chen@demo.rapport.localhost",
        "Eating disorders, body image and perfectionism in young adults.",
        &["eating_disorders", "anxiety", "self_esteem"],
        &["dbt", "cbt"],
        &["en", "zh"],
        160,
        false,
        &["Aetna"],
    ),
    (
        "claire.dubois@demo.rapport.localhost",
        "Psychothérapie en français et en anglais pour l'anxiété et le stress.",
        &["anxiety", "stress", "sleep"],
        &["cbt", "mindfulness_based"],
        &["fr", "en"],
        85,
        true,
        &[],
    ),
];

/// (email, type, number, country, region, expires, outcome: verified-by method / pending / rejected reason)
type LicenseSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

const LICENSES: &[LicenseSeed] = &[
    (
        "dr.lee@demo.rapport.localhost",
        "psychologist",
        "PSY-24817",
        "US",
        Some("TX"),
        "2027-06-30",
        "verify:registry_lookup",
    ),
    (
        "marcus.johnson@demo.rapport.localhost",
        "lcsw",
        "LCSW-118204",
        "US",
        Some("NY"),
        "2028-03-31",
        "verify:both",
    ),
    (
        "sofia.ramirez@demo.rapport.localhost",
        "lmft",
        "LMFT-99812",
        "US",
        Some("CA"),
        "2027-11-30",
        "verify:document",
    ),
    (
        "sofia.ramirez@demo.rapport.localhost",
        "lmft",
        "MFT-2291",
        "US",
        Some("NV"),
        "2028-01-31",
        "pending",
    ),
    (
        "priya.natarajan@demo.rapport.localhost",
        "psychologist",
        "071-009812",
        "US",
        Some("IL"),
        "2028-09-30",
        "verify:registry_lookup",
    ),
    (
        "priya.natarajan@demo.rapport.localhost",
        "psychologist",
        "P-7731",
        "US",
        Some("OH"),
        "2027-12-31",
        "verify:registry_lookup",
    ),
    (
        "james.okafor@demo.rapport.localhost",
        "lpc",
        "LPC-0019921",
        "US",
        Some("CO"),
        "2028-05-31",
        "pending",
    ),
    (
        "alex.kim@demo.rapport.localhost",
        "lcsw",
        "LCSW-88120",
        "US",
        Some("CA"),
        "2027-08-31",
        "verify:registry_lookup",
    ),
    (
        "alex.kim@demo.rapport.localhost",
        "lcsw",
        "LW-61009",
        "US",
        Some("WA"),
        "2028-08-31",
        "reject:The number belongs to another person in the Washington registry.",
    ),
    (
        "rachel.goldberg@demo.rapport.localhost",
        "psychologist",
        "PSY-017733",
        "US",
        Some("NY"),
        "2026-01-31",
        "verify:registry_lookup",
    ),
    (
        "rachel.goldberg@demo.rapport.localhost",
        "psychologist",
        "35SI00712",
        "US",
        Some("NJ"),
        "2028-06-30",
        "verify:both",
    ),
    (
        "tomas.novak@demo.rapport.localhost",
        "lpcc",
        "LPC-19377",
        "US",
        Some("AZ"),
        "2027-10-31",
        "verify:registry_lookup",
    ),
    (
        "aisha.rahman@demo.rapport.localhost",
        "lmhc",
        "LMHC-10077",
        "US",
        Some("MA"),
        "2028-02-29",
        "verify:document",
    ),
    (
        "daniel.whitehorse@demo.rapport.localhost",
        "lpc",
        "LPC-33018",
        "US",
        Some("CO"),
        "2027-04-30",
        "verify:registry_lookup",
    ),
    (
        "daniel.whitehorse@demo.rapport.localhost",
        "lpc",
        "LPC-1204",
        "US",
        Some("WY"),
        "2027-09-30",
        "verify:registry_lookup",
    ),
    (
        "mei.chen@demo.rapport.localhost",
        "psychologist",
        "PSY-30912",
        "US",
        Some("CA"),
        "2028-12-31",
        "verify:registry_lookup",
    ),
    (
        "mei.chen@demo.rapport.localhost",
        "psychologist",
        "3819",
        "US",
        Some("OR"),
        "2028-07-31",
        "pending",
    ),
    (
        "claire.dubois@demo.rapport.localhost",
        "registered_psychotherapist",
        "ADELI-759312345",
        "FR",
        None,
        "2029-12-31",
        "verify:document",
    ),
    (
        "claire.dubois@demo.rapport.localhost",
        "counselling_psychologist",
        "PYL-41230",
        "GB",
        Some("ENG"),
        "2028-10-31",
        "reject:No HCPC registration under this number; please upload your certificate.",
    ),
];

async fn seed_directory(store: &Store) -> anyhow::Result<()> {
    let admin = store
        .user_by_email(&Email::parse("admin@demo.rapport.localhost")?)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo admin missing"))?;
    for &(email, intro, specialties, modalities, languages, fee, sliding, insurance) in PROFILES {
        let Some(user) = store.user_by_email(&Email::parse(email)?).await? else {
            continue;
        };
        if store.profile(&user.id).await?.is_some() {
            continue;
        }
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let input = rapport_store::directory::ProfileInput {
            short_intro: intro.into(),
            long_intro: format!(
                "{intro}\n\nI work collaboratively: we agree on what you want to change, then I bring tools that fit you rather than a script. \
                 Many people notice a difference within a few sessions."
            ),
            first_session: "We get to know each other: what brings you here, what you hope will change, and whether I am the right fit. You can ask me anything.".into(),
            specialties: list(specialties),
            modalities: list(modalities),
            populations: list(&["adults"]),
            languages: list(languages),
            formats: list(&["video", "messaging"]),
            insurance: list(insurance),
            fee_cents: fee * 100,
            sliding_scale: sliding,
            office_hours: "Mon–Fri 9:00–17:00".into(),
            reply_within_hours: 24,
            ..Default::default()
        };
        store
            .save_profile(&user.id, &user.display_name, &input)
            .await?;
    }
    for &(email, kind, number, country, region, expires, outcome) in LICENSES {
        let Some(user) = store.user_by_email(&Email::parse(email)?).await? else {
            continue;
        };
        if store
            .licenses_of(&user.id)
            .await?
            .iter()
            .any(|l| l.number == number)
        {
            continue;
        }
        let l = store
            .add_license(
                &user.id,
                rapport_store::directory::NewLicense {
                    license_type: kind,
                    number,
                    country,
                    region,
                    issued_on: "2019-01-01",
                    expires_on: expires,
                },
            )
            .await?;
        if let Some(method) = outcome.strip_prefix("verify:") {
            store
                .decide_license(&l.id, &admin.id, true, method, Some("demo data"))
                .await?;
        } else if let Some(reason) = outcome.strip_prefix("reject:") {
            store
                .decide_license(&l.id, &admin.id, false, reason, None)
                .await?;
        }
    }
    Ok(())
}

/// Every listed demo therapist works Mon–Fri 9–12 and 13–17 in their own zone and offers
/// a 60-minute intake and 50-minute sessions, bookable from 24 hours ahead (the free
/// cancellation window too, so a fresh booking can always still be moved). Jordan is a
/// client in Texas, where Dr. Lee is licensed; like any new client, he signs the consents
/// booking needs when the booking page asks.
async fn seed_schedules(store: &Store) -> anyhow::Result<()> {
    for &(email, ..) in PROFILES {
        let Some(user) = store.user_by_email(&Email::parse(email)?).await? else {
            continue;
        };
        if store.schedule_settings(&user.id).await?.is_some() {
            continue;
        }
        let mut settings = rapport_store::schedule::Settings::defaults(&user.id);
        settings.min_notice_minutes = 24 * 60;
        store.save_schedule_settings(&settings).await?;
        let hours: Vec<(i64, i64, i64)> = (0..5)
            .flat_map(|d| [(d, 9 * 60, 12 * 60), (d, 13 * 60, 17 * 60)])
            .collect();
        store.replace_weekly_hours(&user.id, &hours).await?;
        store
            .add_session_type(&user.id, "Intake", 60, 0, 15)
            .await?;
        store
            .add_session_type(&user.id, "Session", 50, 0, 10)
            .await?;
    }
    if let Some(jordan) = store
        .user_by_email(&Email::parse("jordan@demo.rapport.localhost")?)
        .await?
    {
        if store.location(&jordan.id).await?.is_none() {
            store.set_location(&jordan.id, "US", Some("TX")).await?;
        }
    }
    Ok(())
}

/// Creates the demo accounts that do not exist yet; returns every demo login.
pub async fn seed(store: &Store) -> anyhow::Result<Vec<DemoLogin>> {
    let hash = password::hash(DEMO_PASSWORD.to_string()).await?;
    let mut logins = Vec::new();
    for &(email, name, pronouns, tz, role) in PEOPLE {
        let parsed = Email::parse(email)?;
        if store.user_by_email(&parsed).await?.is_none() {
            let created = store
                .create_user(NewUser {
                    email: &parsed,
                    password_hash: hash.clone(),
                    display_name: &DisplayName::parse(name)?,
                    pronouns: &Pronouns::parse(pronouns)?,
                    time_zone: &TimeZoneName::parse(tz)?,
                    role,
                    email_verified: true,
                })
                .await;
            match created {
                Ok(_) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        logins.push(DemoLogin { email, name, role });
    }
    seed_directory(store).await?;
    seed_schedules(store).await?;
    Ok(logins)
}
