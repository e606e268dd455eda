//! The reply coach: opt-in, therapists only, feedback with spans, nothing stored.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rapport_core::Role;
use rapport_store::sessions::SessionLevel;
use serde_json::json;

#[tokio::test]
async fn therapists_opt_in_and_get_feedback_with_spans() {
    let app = spawn_app().await;
    let lee = app.user("lee@example.org", Role::Therapist).await;
    app.enable_totp(&lee).await;
    let mut t = app.session_client(&lee, SessionLevel::Mfa).await;
    let draft = "You should just relax. At least it's not worse. How is this affecting your sleep?";
    let body =
        json!({"client_message": "I can't sleep and I'm falling behind at work.", "draft": draft});

    let off = t
        .json(Method::POST, "/api/v1/coach/review", Some(body.clone()))
        .await;
    assert_eq!(
        off.status,
        StatusCode::FORBIDDEN,
        "off until the therapist opts in"
    );
    assert!(off.json()["detail"]
        .as_str()
        .unwrap()
        .contains("Turn it on"));
    let page = t.get("/coach").await;
    assert!(page.body.contains("Turn on the coach"));
    assert_eq!(
        t.post_form("/coach/opt-in", &[]).await.location(),
        Some("/coach")
    );

    let res = t
        .json(Method::POST, "/api/v1/coach/review", Some(body))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let fb = res.json();
    assert!(
        fb["empathy"].is_null()
            && fb["empathy_unavailable"]
                .as_str()
                .unwrap()
                .contains("no coach model")
    );
    let kinds: Vec<&str> = fb["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    for k in ["premature_advice", "minimising", "open_question"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    for f in fb["findings"].as_array().unwrap() {
        let (s, e) = (
            f["span"]["start"].as_u64().unwrap() as usize,
            f["span"]["end"].as_u64().unwrap() as usize,
        );
        assert!(
            s < e && e <= draft.len() && draft.is_char_boundary(s) && draft.is_char_boundary(e)
        );
        assert!(!f["suggestion"].as_str().unwrap().is_empty());
    }

    let page = t
        .post_form(
            "/coach",
            &[
                ("example", "0"),
                ("client_message", ""),
                (
                    "draft",
                    "You should try to sleep more. What's been keeping you up?",
                ),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<mark class=\"risk\""),
        "risks highlighted in the draft"
    );
    assert!(
        page.body.contains("<mark class=\"good\""),
        "listening highlighted too"
    );
    assert!(
        page.body.contains("I&#x27;ve been so tired lately")
            || page.body.contains("I&#39;ve been so tired lately"),
        "the example fills the client's message"
    );
    assert!(page.body.contains("Empathy levels are unavailable"));

    // Nothing of the text is kept: no table holds it.
    for table in ["security_events", "outbox", "access_events"] {
        let rows = app
            .state
            .store
            .raw_i64(&format!("SELECT COUNT(*) FROM {table}"), &[])
            .await
            .unwrap();
        assert_eq!(rows, 0, "{table} is untouched by the coach");
    }
    assert_eq!(
        t.post_form("/coach/opt-out", &[]).await.location(),
        Some("/coach")
    );
    assert_eq!(
        t.json(
            Method::POST,
            "/api/v1/coach/review",
            Some(json!({"draft": "x"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn clients_never_see_the_coach() {
    let app = spawn_app().await;
    let ana = app.user("ana@example.org", Role::Client).await;
    let mut c = app.session_client(&ana, SessionLevel::Password).await;
    assert_eq!(c.get("/coach").await.status, StatusCode::FORBIDDEN);
    assert!(!c.get("/").await.body.contains("Reply coach"));
    assert_eq!(
        c.json(
            Method::POST,
            "/api/v1/coach/review",
            Some(json!({"draft": "hi"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}
