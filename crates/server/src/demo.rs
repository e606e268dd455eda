//! Demo data: an admin, twelve therapists and five clients, created once (running the
//! demo again finds them and adds nothing). Therapists and the admin set up two-step
//! verification at their first login, as real clinicians do.

use crate::auth::password;
use rapport_core::{DisplayName, Email, Pronouns, Role, TimeZoneName};
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
    Ok(logins)
}
