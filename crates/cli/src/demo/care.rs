//! The demo's care relationships, so a newcomer sees them working: Sam's question to
//! Dr. Lee is waiting for her answer, and Maria's request was accepted (she is in care).
//! The requests are sealed by the vault like any real one: each demo client signs in
//! once (a session that is ended straight away) to write as themselves.

use rapport_core::care::CareEvent;
use rapport_core::schedule::policy::Party;
use rapport_core::Email;
use rapport_store::care::Change;
use rapport_store::sessions::{NewSession, SessionLevel};
use rapport_store::users::User;
use rapport_store::Store;
use rapport_vault::{AccessContext, Locator, Purpose, RecordKind, Vault};

const REQUESTS: &[(&str, &str, &str, &str, Option<&str>)] = &[
    (
        "sam@demo.rapport.localhost",
        "dr.lee@demo.rapport.localhost",
        "question",
        "Hi Dr. Lee, I have been having panic attacks on the way to work for a few months. Do you work with that, and do you have evening times?",
        None,
    ),
    (
        "maria@demo.rapport.localhost",
        "dr.lee@demo.rapport.localhost",
        "consultation",
        "Hello, I am looking for help with grief after my father died last spring. Could we have a short call first to see if we are a good fit?",
        Some("Thank you for writing, Maria. Yes, I would be glad to meet. Please book an intake at a time that suits you."),
    ),
];

async fn user(store: &Store, email: &str) -> anyhow::Result<User> {
    store
        .user_by_email(&Email::parse(email)?)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))
}

/// A context for `who`, from a session opened for this and ended at once.
async fn signed_in(store: &Store, who: &User, purpose: Purpose) -> anyhow::Result<AccessContext> {
    let token = rapport_store::new_id();
    let hash = rapport_store::token_hash(&token);
    let session = store
        .create_session(NewSession {
            user_id: &who.id,
            token_hash: &hash,
            level: SessionLevel::Mfa,
            idle_timeout_ms: 60_000,
            absolute_timeout_ms: 60_000,
            user_agent: Some("rapport demo"),
            ip: None,
        })
        .await?;
    let (_, _, proof) = store
        .session_person(&hash)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo session did not open"))?;
    store.revoke_session(&session).await?;
    Ok(AccessContext::person(&proof, purpose, Some("demo".into())))
}

pub(super) async fn seed(store: &Store, vault: &Vault) -> anyhow::Result<()> {
    for &(client_email, therapist_email, topic, message, answer) in REQUESTS {
        let client = user(store, client_email).await?;
        let therapist = user(store, therapist_email).await?;
        if store
            .care_between(&client.id, &therapist.id)
            .await?
            .is_some()
        {
            continue;
        }
        let ctx = signed_in(store, &client, Purpose::ClientRequest).await?;
        let mut tx = store.begin_write().await?;
        let row = rapport_store::care::apply(
            &mut tx,
            Change {
                client: &client.id,
                therapist: &therapist.id,
                event: CareEvent::ContactRequested,
                party: Party::Client,
                actor: &client.id,
                event_id: &rapport_store::new_id(),
                reason_sealed: None,
            },
        )
        .await?
        .map_err(|r| anyhow::anyhow!("{r}"))?;
        let id = rapport_store::new_id();
        let at = Locator {
            client: &client.id,
            care: Some(&row.id),
            kind: RecordKind::ContactRequest,
            table: "contact_requests",
            row_id: &id,
            field: "text",
        };
        let sealed = vault
            .seal(&mut tx, &ctx, &at, &format!("{topic}\n{message}"))
            .await?;
        rapport_store::care::add_contact_request(&mut tx, &id, &row.id, topic, &sealed).await?;
        tx.commit().await?;
        let Some(answer) = answer else { continue };
        let ctx = signed_in(store, &therapist, Purpose::Treatment).await?;
        let event_id = rapport_store::new_id();
        let mut tx = store.begin_write().await?;
        let at = Locator {
            client: &client.id,
            care: Some(&row.id),
            kind: RecordKind::ContactRequest,
            table: "care_events",
            row_id: &event_id,
            field: "text",
        };
        let sealed = vault.seal(&mut tx, &ctx, &at, answer).await?;
        rapport_store::care::apply(
            &mut tx,
            Change {
                client: &client.id,
                therapist: &therapist.id,
                event: CareEvent::Accepted,
                party: Party::Therapist,
                actor: &therapist.id,
                event_id: &event_id,
                reason_sealed: Some(&sealed),
            },
        )
        .await?
        .map_err(|r| anyhow::anyhow!("{r}"))?;
        tx.commit().await?;
    }
    Ok(())
}
