//! Demo data: an admin, twelve therapists (with profiles and licenses that are verified,
//! pending, rejected and expired across several jurisdictions) and five clients, created once
//! (running the demo again finds them and adds nothing). Therapists and the admin set up two-step
//! verification at their first login, as real clinicians do.

mod care;
mod data;

use data::{LICENSES, PEOPLE, PROFILES};
use rapport_core::{DisplayName, Email, Pronouns, Role, TimeZoneName};
use rapport_server::platform::auth::password;
use rapport_store::users::NewUser;
use rapport_store::{Store, StoreError};
use rapport_vault::Vault;

/// The one password of every demo account (never use demo mode with real people).
pub const DEMO_PASSWORD: &str = "rapport-demo-passphrase";

pub struct DemoLogin {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
}

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
pub async fn seed(store: &Store, vault: &Vault) -> anyhow::Result<Vec<DemoLogin>> {
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
    care::seed(store, vault).await?;
    Ok(logins)
}
