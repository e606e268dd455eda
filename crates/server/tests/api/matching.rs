//! Matching with reasons: only therapists licensed where the client is, ordered by the
//! pinned rules, each with plain-language reasons; identity only when given.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rapport_core::Role;
use rapport_store::sessions::SessionLevel;
use serde_json::json;

#[tokio::test]
async fn clients_get_ranked_matches_with_reasons() {
    let app = spawn_app().await;
    rapport_cli::demo::seed(&app.state.store, &app.state.vault)
        .await
        .unwrap();
    let ana = app.user("ana@example.org", Role::Client).await;
    let mut c = app.session_client(&ana, SessionLevel::Password).await;
    assert!(c
        .get("/match")
        .await
        .body
        .contains("What would you like help with?"));

    // California: Sofía (es, relationships), Alex (anxiety) and Mei (anxiety) are verified there.
    let res = c
        .json(Method::POST, "/api/v1/match", Some(json!({
            "location": {"country": "US", "region": "CA"},
            "concerns": ["anxiety"], "language": "es", "budget_max_cents": 15000, "wants_sliding_scale": false,
            "modality": null, "format": null, "identity": null
        })))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let list = res.json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["therapist"]["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(!names.contains(&"Dr. Hannah Lee"), "licensed in Texas only");
    let first = &list[0];
    assert_eq!(
        first["therapist"]["display_name"], "Alex Kim, LCSW",
        "anxiety (30) + budget (15) beat Spanish (20) + budget (15)"
    );
    let reasons: Vec<&str> = first["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(reasons[0], "licensed in California");
    assert!(reasons.contains(&"within your budget"), "{reasons:?}");

    // The page shows the same with reasons, and remembers the location.
    let page = c
        .post_form(
            "/match",
            &[
                ("country", "US"),
                ("region", "CA"),
                ("concerns", "anxiety"),
                ("language", "es"),
                ("budget", "150"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("licensed in California · "),
        "{}",
        page.body
    );
    assert_eq!(
        app.state.store.location(&ana.id).await.unwrap(),
        Some(("US".into(), Some("CA".into())))
    );
    let bad = c
        .post_form(
            "/match",
            &[("country", "US"), ("region", "Narnia"), ("budget", "lots")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Nowhere licensed: no one is shown.
    let none = c.json(Method::POST, "/api/v1/match", Some(json!({"location": {"country": "US", "region": "AK"}, "concerns": [], "language": null, "modality": null, "format": null, "budget_max_cents": null, "identity": null}))).await;
    assert_eq!(none.json().as_array().unwrap().len(), 0);
    // Therapists cannot use client matching.
    let lee = app.user("t@example.org", Role::Therapist).await;
    app.enable_totp(&lee).await;
    let mut t = app.session_client(&lee, SessionLevel::Mfa).await;
    assert_eq!(t.get("/match").await.status, StatusCode::FORBIDDEN);
}
