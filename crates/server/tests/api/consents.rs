//! Consents: a client reads and signs with their typed name; the signature keeps the
//! time and the SHA-256 of the exact text; optional consents can be withdrawn, required
//! ones cannot; services refuse clearly until what they need is signed.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rapport_core::Role;
use rapport_server::privacy::consent::{self, Service, DOCUMENTS};
use rapport_store::sessions::SessionLevel;
use serde_json::json;

#[tokio::test]
async fn a_client_signs_rereads_downloads_and_withdraws() {
    let app = spawn_app().await;
    let ana = app.user("ana@example.org", Role::Client).await;
    let mut c = app.session_client(&ana, SessionLevel::Password).await;
    let list = c.get("/consents").await;
    assert_eq!(list.body.matches("Not signed yet").count(), DOCUMENTS.len());

    let refused = consent::require(&app.state, &ana.id, Service::Booking)
        .await
        .unwrap_err();
    assert!(
        refused
            .public_message()
            .contains("Informed consent for online therapy"),
        "{}",
        refused.public_message()
    );

    let page = c.get("/consents/informed-consent").await;
    assert!(page.body.contains("Not an emergency service"));
    let empty = c
        .post_form(
            "/consents/informed-consent/sign",
            &[("typed_name", " "), ("version", "1")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Type your full name"));
    let ok = c
        .post_form(
            "/consents/informed-consent/sign",
            &[("typed_name", "Ana María Lee"), ("version", "1")],
        )
        .await;
    assert_eq!(
        ok.location(),
        Some("/consents/informed-consent?notice=signed")
    );

    let api = c
        .json(
            Method::POST,
            "/api/v1/consents/privacy-notice/signature",
            Some(json!({"typed_name": "Ana María Lee", "version": 1})),
        )
        .await;
    assert_eq!(api.status, StatusCode::CREATED);
    let stale = c
        .json(
            Method::POST,
            "/api/v1/consents/messaging-policy/signature",
            Some(json!({"typed_name": "Ana", "version": 0})),
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::CONFLICT,
        "signing a version you did not read is refused"
    );
    consent::require(&app.state, &ana.id, Service::Booking)
        .await
        .unwrap();
    assert!(consent::require(&app.state, &ana.id, Service::Messaging)
        .await
        .is_err());

    let statuses = c.json(Method::GET, "/api/v1/consents", None).await.json();
    let ic = statuses
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "informed-consent")
        .unwrap()
        .clone();
    assert_eq!(ic["status"], "signed");
    assert_eq!(ic["typed_name"], "Ana María Lee");
    let doc = consent::document("informed-consent").unwrap();
    assert_eq!(
        ic["text_sha256"],
        consent::sha256(doc.text),
        "the hash of the exact text"
    );

    let copy = c.get("/consents/informed-consent/signed").await;
    assert!(copy.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    assert!(
        copy.body.starts_with(doc.text.trim_end()),
        "the download is the exact text"
    );
    assert!(
        copy.body.contains("Signed by: Ana María Lee")
            && copy.body.contains(&consent::sha256(doc.text))
    );

    // Optional consents can be withdrawn; required ones cannot.
    c.post_form(
        "/consents/messaging-policy/sign",
        &[("typed_name", "Ana María Lee")],
    )
    .await;
    consent::require(&app.state, &ana.id, Service::Messaging)
        .await
        .unwrap();
    let required = c
        .json(
            Method::DELETE,
            "/api/v1/consents/informed-consent/signature",
            None,
        )
        .await;
    assert_eq!(required.status, StatusCode::FORBIDDEN);
    let withdrawn = c
        .post_form("/consents/messaging-policy/withdraw", &[])
        .await;
    assert_eq!(
        withdrawn.location(),
        Some("/consents/messaging-policy?notice=withdrawn")
    );
    assert!(consent::require(&app.state, &ana.id, Service::Messaging)
        .await
        .is_err());
    assert!(c.get("/consents").await.body.contains("Withdrawn"));
    let again = c
        .json(
            Method::DELETE,
            "/api/v1/consents/messaging-policy/signature",
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        c.get("/consents/no-such-document").await.status,
        StatusCode::NOT_FOUND
    );
}
