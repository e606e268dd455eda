//! People for tests: accounts with a live session (so the store hands out the proof of
//! sign-in that access contexts are made from), and care relationships between them.

use rapport_core::care::CareEvent;
use rapport_core::schedule::policy::Party;
use rapport_core::{DisplayName, Email, Pronouns, Role, TimeZoneName, UserId};
use rapport_store::care::{CareRow, Change};
use rapport_store::sessions::{Authenticated, NewSession, SessionLevel};
use rapport_store::users::{NewUser, User};
use rapport_store::Store;

/// An account with a live session, and the proof of sign-in the store made for it.
#[derive(Debug, Clone)]
pub struct Person {
    pub user: User,
    pub proof: Authenticated,
    /// The session's secret (what a browser's cookie would carry).
    pub session_token: String,
}

/// Creates an account in `role` (e-mail confirmed, fully signed in) named after `email`.
pub async fn person(store: &Store, email: &str, role: Role) -> Person {
    let name = email.split('@').next().unwrap_or("someone").to_string();
    let user = store
        .create_user(NewUser {
            email: &Email::parse(email).expect("a valid test e-mail"),
            password_hash: "argon2id-not-used-in-this-test".into(),
            display_name: &DisplayName::parse(&name).expect("a valid test name"),
            pronouns: &Pronouns::parse(None).expect("no pronouns"),
            time_zone: &TimeZoneName::parse("America/Chicago").expect("a zone"),
            role,
            email_verified: true,
        })
        .await
        .expect("create a test account");
    let session_token = rapport_store::new_id();
    store
        .create_session(NewSession {
            user_id: &user.id,
            token_hash: &rapport_store::token_hash(&session_token),
            level: if role.requires_mfa() {
                SessionLevel::Mfa
            } else {
                SessionLevel::Password
            },
            idle_timeout_ms: 3_600_000,
            absolute_timeout_ms: 8 * 3_600_000,
            user_agent: Some("rapport-testkit"),
            ip: Some("127.0.0.1"),
        })
        .await
        .expect("create a test session");
    let (_, user, proof) = store
        .session_person(&rapport_store::token_hash(&session_token))
        .await
        .expect("look up the test session")
        .expect("the test session is live");
    Person {
        user,
        proof,
        session_token,
    }
}

/// Applies one change to the relationship of `client` and `therapist`, as `party`.
pub async fn change(
    store: &Store,
    client: &UserId,
    therapist: &UserId,
    event: CareEvent,
    party: Party,
) -> CareRow {
    let actor = match party {
        Party::Client => client,
        Party::Therapist => therapist,
    };
    let mut tx = store.begin_write().await.expect("begin");
    let row = rapport_store::care::apply(
        &mut tx,
        Change {
            client,
            therapist,
            event,
            party,
            actor,
            event_id: &rapport_store::new_id(),
            reason_sealed: None,
        },
    )
    .await
    .expect("apply a care change")
    .expect("the rules allow this change");
    tx.commit().await.expect("commit");
    row
}

/// Where a test wants a relationship to stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A contact request, not answered.
    Requested,
    /// Accepted: in care.
    Active,
    /// In care, then ended by the client.
    Ended,
}

/// Makes a relationship between `client` and `therapist` that stands at `stage`.
pub async fn relate_ids(
    store: &Store,
    client: &UserId,
    therapist: &UserId,
    stage: Stage,
) -> CareRow {
    let mut row = change(
        store,
        client,
        therapist,
        CareEvent::ContactRequested,
        Party::Client,
    )
    .await;
    if stage != Stage::Requested {
        row = change(
            store,
            client,
            therapist,
            CareEvent::Accepted,
            Party::Therapist,
        )
        .await;
    }
    if stage == Stage::Ended {
        row = change(store, client, therapist, CareEvent::Ended, Party::Client).await;
    }
    row
}

/// [`relate_ids`] for two people.
pub async fn relate(store: &Store, client: &Person, therapist: &Person, stage: Stage) -> CareRow {
    relate_ids(store, &client.user.id, &therapist.user.id, stage).await
}
