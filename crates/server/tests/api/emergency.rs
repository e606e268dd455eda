//! Break-glass: admins cannot read clinical content, except under a written-reason,
//! time-limited grant for one client, which the client sees prominently and their
//! therapist is told about; reads under it are marked as emergency in the log.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rapport_core::Role;
use rapport_store::sessions::SessionLevel;
use rapport_store::users::User;
use rapport_vault::{Locator, Purpose, RecordKind, VaultError};
use serde_json::json;

#[tokio::test]
async fn emergency_access_is_reasoned_limited_visible_and_announced() {
    let app = spawn_app().await;
    let ana = app.user("ana@example.org", Role::Client).await;
    let ben = app.user("ben@example.org", Role::Client).await;
    let lee = app.user("lee@example.org", Role::Therapist).await;
    let root = app.user("root@example.org", Role::Admin).await;
    app.enable_totp(&root).await;
    let ana_care = app.relate(&ana, &lee, Stage::Active).await;
    let ben_care = app.relate(&ben, &lee, Stage::Active).await;
    let treat = app.actor(&lee).await.access(Purpose::Treatment, "req-t");
    let root_actor = app.actor(&root).await;
    let mut tx = app.state.store.begin_write().await.unwrap();
    let ana_note = app
        .state
        .vault
        .seal(&mut tx, &treat, &note(&ana, &ana_care), "ana's note")
        .await
        .unwrap();
    let ben_note = app
        .state
        .vault
        .seal(&mut tx, &treat, &note(&ben, &ben_care), "ben's note")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Ana's question to Lee, which the read-only emergency view shows.
    let asked = app
        .actor(&ana)
        .await
        .access(Purpose::ClientRequest, "req-q");
    let mut tx = app.state.store.begin_write().await.unwrap();
    let question = rapport_store::new_id();
    let at = Locator {
        client: &ana.id,
        care: Some(&ana_care),
        kind: RecordKind::ContactRequest,
        table: "contact_requests",
        row_id: &question,
        field: "text",
    };
    let sealed = app
        .state
        .vault
        .seal(
            &mut tx,
            &asked,
            &at,
            "question\nCan we talk about my sleep?",
        )
        .await
        .unwrap();
    rapport_store::care::add_contact_request(&mut tx, &question, &ana_care, "question", &sealed)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Without a grant, an admin is refused.
    let plain = root_actor.access(Purpose::Operations, "req-p");
    let mut tx = app.state.store.begin_write().await.unwrap();
    assert!(matches!(
        app.state
            .vault
            .open(&mut tx, &plain, &note(&ana, &ana_care), &ana_note)
            .await,
        Err(VaultError::NotPermitted)
    ));
    let forged = root_actor.emergency_access("no-such-grant", "req-f");
    assert!(matches!(
        app.state
            .vault
            .open(&mut tx, &forged, &note(&ana, &ana_care), &ana_note)
            .await,
        Err(VaultError::NotPermitted)
    ));
    tx.rollback().await.unwrap();

    let mut admin = app.session_client(&root, SessionLevel::Mfa).await;
    let short = admin
        .post_form(
            "/admin/emergency",
            &[
                ("client_email", "ana@example.org"),
                ("reason", "urgent"),
                ("minutes", "30"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("the client will read it"));
    let long = admin.json(Method::POST, "/api/v1/admin/emergency-access", Some(json!({"client_email": "ana@example.org", "reason": "x".repeat(40), "minutes": 600}))).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reason = "Police welfare check requested; need emergency contact details from intake";
    let ok = admin
        .post_form(
            "/admin/emergency",
            &[
                ("client_email", "ana@example.org"),
                ("reason", reason),
                ("minutes", "30"),
            ],
        )
        .await;
    let grant = app
        .state
        .store
        .emergency_grants_for_client(&ana.id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(grant.expires_at - grant.created_at, 30 * 60_000);
    // Granting leads to a read-only view of the records; each one shown was read under
    // the grant and is in her log.
    let view = format!("/admin/emergency/{}", grant.id);
    assert_eq!(ok.location(), Some(view.as_str()));
    let before = rapport_vault::chain::events_for_client(&app.state.store, ana.id.as_str(), 100)
        .await
        .unwrap()
        .len();
    let records = admin.get(&view).await;
    assert_eq!(records.status, StatusCode::OK);
    assert!(records.body.contains("Can we talk about my sleep?"));
    assert!(records.body.contains("read-only") && records.body.contains(reason));
    assert!(!records.body.contains("<textarea"), "nothing to write with");
    let after = rapport_vault::chain::events_for_client(&app.state.store, ana.id.as_str(), 100)
        .await
        .unwrap();
    assert_eq!(after.len(), before + 1, "the one record shown, read once");
    assert!(after[0].emergency == 1 && after[0].action == "read");
    // Another administrator cannot read under it.
    let other = app.user("other.admin@example.org", Role::Admin).await;
    let mut other = app.session_client(&other, SessionLevel::Mfa).await;
    assert_eq!(other.get(&view).await.status, StatusCode::NOT_FOUND);

    // The client and the treating therapist are told at once.
    let to_client = app.mails_to("ana@example.org").await;
    assert!(to_client
        .iter()
        .any(|m| m.contains("Emergency access to your Rapport records")
            && m.contains("Sign in to see the reason")));
    let to_therapist = app.mails_to("lee@example.org").await;
    assert!(to_therapist
        .iter()
        .any(|m| m.contains("Emergency access to a client's records")));
    assert!(
        to_client
            .iter()
            .chain(&to_therapist)
            .all(|m| !m.contains("welfare check")),
        "the reason may be clinical: never e-mailed"
    );

    // Under the grant the admin may open Ana's records, marked as emergency; not Ben's.
    let ctx = root_actor.emergency_access(&grant.id, "req-e");
    let mut tx = app.state.store.begin_write().await.unwrap();
    assert_eq!(
        app.state
            .vault
            .open(&mut tx, &ctx, &note(&ana, &ana_care), &ana_note)
            .await
            .unwrap()
            .expose(),
        "ana's note"
    );
    assert!(matches!(
        app.state
            .vault
            .open(&mut tx, &ctx, &note(&ben, &ben_care), &ben_note)
            .await,
        Err(VaultError::NotPermitted)
    ));
    tx.commit().await.unwrap();

    let mut client = app.session_client(&ana, SessionLevel::Password).await;
    let page = client.get("/privacy").await;
    let alert = page
        .body
        .split("<div class=\"emergency\" role=\"alert\">")
        .nth(1)
        .expect("a prominent emergency notice");
    assert!(
        alert.contains("root (administrator) was given emergency access") && alert.contains(reason)
    );
    assert!(
        alert.contains("Emergency access: root (administrator) read your notes in an emergency")
    );
    let log = client
        .json(Method::GET, "/api/v1/me/access-log", None)
        .await
        .json();
    assert_eq!(log[0]["emergency"], true);
    assert_eq!(log[0]["purpose"], "emergency");
    assert_eq!(
        client
            .json(Method::GET, "/api/v1/me/emergency-access", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Ending the grant (or its expiry) closes the door again.
    let end = admin
        .post_form(&format!("/admin/emergency/{}/end", grant.id), &[])
        .await;
    assert_eq!(end.location(), Some("/admin/emergency?notice=ended"));
    let mut tx = app.state.store.begin_write().await.unwrap();
    assert!(matches!(
        app.state
            .vault
            .open(&mut tx, &ctx, &note(&ana, &ana_care), &ana_note)
            .await,
        Err(VaultError::NotPermitted)
    ));
    tx.rollback().await.unwrap();
}

/// A note of `client`'s care in relationship `care`.
fn note<'a>(client: &'a User, care: &'a str) -> Locator<'a> {
    Locator {
        client: &client.id,
        care: Some(care),
        kind: RecordKind::Note,
        table: "notes",
        row_id: "n1",
        field: "body",
    }
}
