//! Care relationships end to end: a contact request from a profile, the therapist's
//! answer, ending care from either side, a first booking beginning care, and what a
//! therapist who is not (or no longer) in care may see. Every therapist read of what a
//! client wrote is in the client's access log; no mail carries what anyone wrote.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rapport_core::Role;
use rapport_store::sessions::SessionLevel;
use serde_json::json;

const QUESTION: &str = "canary-request-5k2: Do you see people for panic attacks in the evening?";

#[tokio::test]
async fn a_contact_request_is_answered_and_care_can_end_from_either_side() {
    let app = spawn_app().await;
    let (lee, kind) = bookable_therapist(&app, "lee@example.org", 0).await;
    app.enable_totp(&lee).await;
    let ana = ready_client(&app, "ana@example.org").await;
    let mut c = app.session_client(&ana, SessionLevel::Password).await;
    let mut t = app.session_client(&lee, SessionLevel::Mfa).await;

    // The profile offers to write first; the form says it is not for emergencies.
    let profile = c.get(&format!("/therapists/{}", lee.id)).await;
    assert!(profile
        .body
        .contains(&format!("/therapists/{}/contact", lee.id)));
    let form = c.get(&format!("/therapists/{}/contact", lee.id)).await;
    assert!(form.body.contains("This is not for emergencies"));

    // Bad input changes nothing.
    let long = "x".repeat(2_001);
    let res = c
        .post_form(
            &format!("/therapists/{}/contact", lee.id),
            &[("topic", "question"), ("message", &long)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("under 2000 characters"), "{}", res.body);
    assert!(app
        .state
        .store
        .care_between(&ana.id, &lee.id)
        .await
        .unwrap()
        .is_none());

    let sent = c
        .post_form(
            &format!("/therapists/{}/contact", lee.id),
            &[("topic", "question"), ("message", QUESTION)],
        )
        .await;
    let location = sent
        .location()
        .expect("redirect to the relationship")
        .to_string();
    assert!(location.starts_with("/care/") && location.ends_with("?notice=sent"));
    let care = location
        .trim_start_matches("/care/")
        .trim_end_matches("?notice=sent")
        .to_string();
    let stored = app.state.store.contact_requests(&care).await.unwrap();
    assert!(
        !String::from_utf8_lossy(&stored[0].body_sealed).contains("canary-request"),
        "the request is sealed"
    );
    // A second request waits for the first answer.
    let again = c
        .json(
            Method::POST,
            &format!("/api/v1/therapists/{}/contact-requests", lee.id),
            Some(json!({"topic": "consultation", "message": "Hello again"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    // The therapist is told without the text, reads it (logged), and accepts.
    let mails = app.mails_to("lee@example.org").await;
    assert!(mails.iter().any(|m| m.contains("A new contact request")));
    assert!(mails.iter().all(|m| !m.contains("canary-request")));
    let list = t.get("/care").await;
    assert!(
        list.body.contains("New request: please answer"),
        "{}",
        list.body
    );
    let page = t.get(&format!("/care/{care}")).await;
    assert!(page.body.contains("canary-request-5k2"));
    let log = c
        .json(Method::GET, "/api/v1/me/access-log", None)
        .await
        .json();
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["record_kind"] == "contact_request"
            && e["action"] == "read"
            && e["role"] == "therapist"));
    let accepted = t
        .post_form(
            &format!("/care/{care}/accept"),
            &[("note", "Yes, evenings work. Book any Tuesday.")],
        )
        .await;
    assert_eq!(
        accepted.location(),
        Some(format!("/care/{care}?notice=accepted").as_str())
    );
    let to_ana = app.mails_to("ana@example.org").await;
    assert!(to_ana.iter().any(|m| m.contains("accepted your request")));
    assert!(to_ana.iter().all(|m| !m.contains("evenings work")));
    let seen = c
        .json(Method::GET, &format!("/api/v1/care/{care}"), None)
        .await
        .json();
    assert_eq!(seen["relationship"]["status"], "active");
    assert_eq!(
        seen["history"][1]["note"],
        "Yes, evenings work. Book any Tuesday."
    );
    assert_eq!(seen["contact_requests"][0]["outcome"], "accepted");

    // A session is booked; then the client ends care with a reason.
    let start = rapport_store::now_ms() + 3 * 86_400_000;
    let session = appointment_at(&app, &lee, &ana, &kind, start).await;
    let mine = t.json(Method::GET, "/api/v1/me/care", None).await.json();
    assert_eq!(mine[0]["next_session_id"], session.as_str());
    let ended = c
        .json(
            Method::POST,
            &format!("/api/v1/care/{care}/end"),
            Some(json!({"note": "canary-reason-9m: I am moving abroad."})),
        )
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(ended.json()["status"], "ended");
    assert_eq!(ended.json()["ended_by"], "client");
    let a = app
        .state
        .store
        .appointment(&session)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        a.status, "cancelled",
        "ending care cancels the sessions still booked"
    );
    let to_lee = app.mails_to("lee@example.org").await;
    assert!(to_lee
        .iter()
        .any(|m| m.contains("ended your care relationship")));
    assert!(to_lee.iter().all(|m| !m.contains("canary-reason")));
    // The therapist keeps read access to what was recorded, and cannot act any more.
    let page = t.get(&format!("/care/{care}")).await;
    assert!(page.body.contains("canary-reason-9m"));
    assert!(
        !page.body.contains("action=\"/care/"),
        "no actions on ended care"
    );
    let end_again = t
        .json(
            Method::POST,
            &format!("/api/v1/care/{care}/end"),
            Some(json!({})),
        )
        .await;
    assert_eq!(end_again.status, StatusCode::CONFLICT);
    // The client who ended care can book again.
    let rebook = appointment_at(&app, &lee, &ana, &kind, start + 86_400_000).await;
    assert!(!rebook.is_empty());
    let history = app.state.store.care_events(&care).await.unwrap();
    let kinds: Vec<&str> = history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["requested", "accepted", "ended", "booked"]);
}

#[tokio::test]
async fn a_declined_client_is_not_booked_around_and_strangers_see_nothing() {
    let app = spawn_app().await;
    let (lee, kind) = bookable_therapist(&app, "lee@example.org", 0).await;
    app.enable_totp(&lee).await;
    let (other, _) = bookable_therapist(&app, "other@example.org", 0).await;
    app.enable_totp(&other).await;
    let ana = ready_client(&app, "ana@example.org").await;
    let ben = ready_client(&app, "ben@example.org").await;
    let mut c = app.session_client(&ana, SessionLevel::Password).await;
    let mut t = app.session_client(&lee, SessionLevel::Mfa).await;
    let res = c
        .json(
            Method::POST,
            &format!("/api/v1/therapists/{}/contact-requests", lee.id),
            Some(json!({"topic": "consultation", "message": "Could we talk for 15 minutes?"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let care = res.json()["id"].as_str().unwrap().to_string();
    assert_eq!(res.json()["status"], "requested");

    // Another therapist, another client and an admin cannot see that it exists.
    let mut o = app.session_client(&other, SessionLevel::Mfa).await;
    let mut b = app.session_client(&ben, SessionLevel::Password).await;
    for who in [&mut o, &mut b] {
        assert_eq!(
            who.get(&format!("/care/{care}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            who.json(Method::GET, &format!("/api/v1/care/{care}"), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert!(who
            .json(Method::GET, "/api/v1/me/care", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty());
    }
    // The therapist cannot end a request (only decline it); the client cannot accept it.
    assert_eq!(
        t.json(
            Method::POST,
            &format!("/api/v1/care/{care}/end"),
            Some(json!({}))
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        c.json(
            Method::POST,
            &format!("/api/v1/care/{care}/accept"),
            Some(json!({}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let declined = t
        .json(
            Method::POST,
            &format!("/api/v1/care/{care}/decline"),
            Some(json!({"note": "I am not taking new clients; Dr. Rivera may help."})),
        )
        .await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
    assert_eq!(declined.json()["ended_by"], "therapist");
    // Booking around the decline is refused; writing again is allowed.
    let slot = (chrono::Utc::now() + chrono::Duration::days(3))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let booked = c
        .json(
            Method::POST,
            "/api/v1/appointments",
            Some(json!({"therapist_id": lee.id.as_str(), "session_type": kind, "starts_at": slot})),
        )
        .await;
    assert!(
        matches!(
            booked.status,
            StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
        ),
        "{}",
        booked.body
    );
    assert_eq!(
        app.state.store.care(&care).await.unwrap().unwrap().status,
        "ended"
    );
    let again = c
        .json(
            Method::POST,
            &format!("/api/v1/therapists/{}/contact-requests", lee.id),
            Some(json!({"topic": "question", "message": "Are you taking clients again?"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    // Writing to someone who is not a listed therapist finds nothing.
    let nobody = app.user("unlisted@example.org", Role::Therapist).await;
    let res = c
        .json(
            Method::POST,
            &format!("/api/v1/therapists/{}/contact-requests", nobody.id),
            Some(json!({"topic": "question", "message": "Hello"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_first_booking_begins_care_and_erasure_ends_it() {
    let app = spawn_app().await;
    let (lee, kind) = bookable_therapist(&app, "lee@example.org", 0).await;
    app.enable_totp(&lee).await;
    let ana = ready_client(&app, "ana@example.org").await;
    appointment_at(
        &app,
        &lee,
        &ana,
        &kind,
        rapport_store::now_ms() + 2 * 86_400_000,
    )
    .await;
    let mut t = app.session_client(&lee, SessionLevel::Mfa).await;
    let list = t.get("/care").await;
    assert!(
        list.body.contains("ana") && list.body.contains("In care"),
        "{}",
        list.body
    );
    let mut c = app.session_client(&ana, SessionLevel::Password).await;
    assert!(c.get("/care").await.body.contains("lee"));
    let done = c
        .post_form(
            "/privacy/erase",
            &[("current_password", STRONG), ("confirm", "yes")],
        )
        .await;
    assert_eq!(done.location(), Some("/?notice=erased"));
    let care = app
        .state
        .store
        .care_between(&ana.id, &lee.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (care.status.as_str(), care.ended_by.as_deref()),
        ("ended", Some("client"))
    );
    assert!(app
        .mails_to("lee@example.org")
        .await
        .iter()
        .any(|m| m.contains("ended your care relationship")));
}
