//! Bad input never causes a 500: every JSON endpoint answers malformed JSON, the wrong
//! content type, an oversized body and unknown fields with a 4xx problem a person can act
//! on, and changes nothing; field rules (e-mail, time zone, lengths) say what is wrong.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rapport_core::Role;
use rapport_server::{route_table, Access};
use rapport_store::sessions::SessionLevel;
use serde_json::json;

fn assert_problem(res: &TestResponse, what: &str) {
    assert!(
        res.status.is_client_error(),
        "{what}: expected 4xx, got {} {}",
        res.status,
        res.body
    );
    assert_eq!(res.content_type(), "application/problem+json", "{what}");
    let p = res.json();
    assert!(
        p["detail"].as_str().is_some_and(|d| d.len() > 10),
        "{what}: no useful detail: {}",
        res.body
    );
    assert_eq!(p["status"], res.status.as_u16());
}

#[tokio::test]
async fn every_json_endpoint_refuses_malformed_bodies_with_a_problem() {
    let app = spawn_app().await;
    let client = app.user("client@example.org", Role::Client).await;
    let admin = app.user("admin@example.org", Role::Admin).await;
    app.enable_totp(&admin).await;
    let therapist = app.user("therapist@example.org", Role::Therapist).await;
    app.enable_totp(&therapist).await;
    app.state
        .store
        .set_coach_enabled(&therapist.id, true)
        .await
        .unwrap();
    let care = app.relate(&client, &therapist, Stage::Active).await;
    let doc = app.client().get("/api/v1/openapi.json").await.json();
    let mut covered = 0;
    for route in route_table(&app.state) {
        let method = route.method.to_string().to_lowercase();
        let op = &doc["paths"][route.path][&method];
        if op["requestBody"].is_null() {
            continue;
        }
        covered += 1;
        let path = if route.path.contains("/appointments/{id}") {
            let (t, kind) = bookable_therapist(&app, &format!("t{covered}@example.org"), 0).await;
            let start = rapport_store::now_ms() + 3_600_000;
            concrete(
                route.path,
                &appointment_at(&app, &t, &client, &kind, start).await,
            )
        } else if route.path.contains("/care/{id}") {
            concrete(route.path, &care)
        } else {
            concrete(route.path, "no-such-id")
        };
        let persona = || async {
            match route.access {
                Access::Public => {
                    let mut c = app.client();
                    c.get("/healthz").await;
                    c
                }
                Access::PendingMfa => app.session_client(&admin, SessionLevel::PendingMfa).await,
                Access::Roles(r) | Access::Owner(r, _) if r == [Role::Therapist] => {
                    app.session_client(&therapist, SessionLevel::Mfa).await
                }
                Access::Roles(r) if !r.contains(&Role::Client) => {
                    app.session_client(&admin, SessionLevel::Mfa).await
                }
                _ => app.session_client(&client, SessionLevel::Password).await,
            }
        };
        let users_before = app.state.store.count_users().await.unwrap();
        let cases: Vec<(&str, &str, Vec<u8>, StatusCode)> = vec![
            (
                "malformed JSON",
                "application/json",
                b"{,".to_vec(),
                StatusCode::BAD_REQUEST,
            ),
            (
                "wrong content type",
                "text/plain",
                b"{}".to_vec(),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            (
                "oversized body",
                "application/json",
                format!("{{\"x\":\"{}\"}}", "a".repeat(100 * 1024)).into_bytes(),
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            (
                "unknown field",
                "application/json",
                br#"{"unexpected_field": 1}"#.to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "wrong JSON type",
                "application/json",
                b"[1, 2, 3]".to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ];
        for (what, ct, body, want) in cases {
            let mut c = persona().await;
            let res = c.raw(route.method.clone(), &path, ct, body).await;
            let label = format!("{} {} with {what}", route.method, route.path);
            assert_problem(&res, &label);
            assert_eq!(res.status, want, "{label}: {}", res.body);
        }
        assert_eq!(
            app.state.store.count_users().await.unwrap(),
            users_before,
            "{} changed data",
            route.path
        );
    }
    assert!(
        covered >= 10,
        "only {covered} endpoints with bodies were exercised"
    );
}

#[tokio::test]
async fn field_rules_name_the_field_and_the_fix() {
    let app = spawn_app().await;
    let mut c = app.client();
    let base = json!({"email": "ana@example.org", "password": STRONG, "display_name": "Ana", "time_zone": "UTC"});
    let cases = [
        ("email", json!("ana@"), "e-mail address"),
        (
            "email",
            json!(format!("{}@example.org", "a".repeat(300))),
            "longer than 254",
        ),
        ("time_zone", json!("Atlantis/Capital"), "time zone name"),
        ("display_name", json!("x".repeat(500)), "at most 80"),
        ("pronouns", json!("y".repeat(100)), "at most 40"),
        ("password", json!("p".repeat(129)), "at most 128"),
        ("password", json!("short"), "at least 10"),
        ("display_name", json!("bell\u{7}"), "control characters"),
    ];
    for (field, value, needle) in cases {
        let mut body = base.clone();
        body[field] = value;
        let res = c.json(Method::POST, "/api/v1/accounts", Some(body)).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            res.body
        );
        let p = res.json();
        let hit = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .unwrap_or_else(|| panic!("{field}: {p}"));
        assert!(
            hit["message"].as_str().unwrap().contains(needle),
            "{field}: {hit}"
        );
    }
    let missing = c
        .json(
            Method::POST,
            "/api/v1/accounts",
            Some(json!({"email": "a@b.org"})),
        )
        .await;
    assert_problem(&missing, "missing fields");
    assert_eq!(app.state.store.count_users().await.unwrap(), 0);

    // Login with absurd input is just a failed login.
    let res = c
        .json(
            Method::POST,
            "/api/v1/session",
            Some(json!({"email": "x".repeat(20_000), "password": "y"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    let user = app.user("ben@example.org", Role::Client).await;
    let mut s = app.session_client(&user, SessionLevel::Password).await;
    let res = s
        .json(
            Method::PATCH,
            "/api/v1/me",
            Some(json!({"time_zone": "Nowhere/Land"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = s
        .json(
            Method::POST,
            "/api/v1/me/tokens",
            Some(json!({"name": "n".repeat(61)})),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = s
        .json(
            Method::POST,
            "/api/v1/me/mfa/totp/confirm",
            Some(json!({"code": "123456"})),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::CONFLICT,
        "confirming before starting says what to do first"
    );

    let admin = app.user("root@example.org", Role::Admin).await;
    app.enable_totp(&admin).await;
    let mut a = app.session_client(&admin, SessionLevel::Mfa).await;
    let res = a.get("/api/v1/admin/users?limit=lots").await;
    assert_problem(&res, "non-numeric limit");
}

#[tokio::test]
async fn every_web_form_refuses_oversized_and_garbled_bodies() {
    let app = spawn_app().await;
    let client = app.user("client@example.org", Role::Client).await;
    let admin = app.user("admin@example.org", Role::Admin).await;
    app.enable_totp(&admin).await;
    let therapist = app.user("therapist@example.org", Role::Therapist).await;
    app.enable_totp(&therapist).await;
    let mut covered = 0;
    for route in route_table(&app.state) {
        if route.method != Method::POST || route.path.starts_with("/api/") {
            continue;
        }
        covered += 1;
        let path = concrete(route.path, "no-such-id");
        for (what, body) in [
            ("oversized", "a".repeat(100 * 1024)),
            ("garbled", "%ZZ%=&&==".to_string()),
        ] {
            let mut c = match route.access {
                Access::PendingMfa => app.session_client(&admin, SessionLevel::PendingMfa).await,
                Access::Roles(r) | Access::Owner(r, _) if r == [Role::Therapist] => {
                    app.session_client(&therapist, SessionLevel::Mfa).await
                }
                Access::Roles(r) if !r.contains(&Role::Client) => {
                    app.session_client(&admin, SessionLevel::Mfa).await
                }
                _ => app.session_client(&client, SessionLevel::Password).await,
            };
            let csrf = c.csrf().unwrap();
            let res = c
                .raw(
                    Method::POST,
                    &path,
                    "application/x-www-form-urlencoded",
                    format!("csrf={csrf}&{body}").into_bytes(),
                )
                .await;
            let fine = match what {
                "oversized" => res.status == StatusCode::PAYLOAD_TOO_LARGE,
                // Garbage fields read as empty ones: the form's own rules answer (4xx) or,
                // for forms with no fields such as logout, the action simply happens.
                // Making a calendar link takes no fields and shows the new link at once.
                _ if route.path == "/sessions/feed" => res.status == StatusCode::OK,
                _ => res.status.is_client_error() || res.status == StatusCode::SEE_OTHER,
            };
            assert!(
                fine,
                "POST {} with a {what} body: {}",
                route.path, res.status
            );
        }
    }
    assert!(covered >= 14, "only {covered} forms exercised");
}

#[tokio::test]
async fn web_forms_survive_garbage() {
    let app = spawn_app().await;
    let mut c = app.client();
    c.get("/signup").await;
    let csrf = c.csrf().unwrap();
    let huge = format!("csrf={csrf}&email={}", "a".repeat(100 * 1024));
    let res = c
        .raw(
            Method::POST,
            "/signup",
            "application/x-www-form-urlencoded",
            huge.into_bytes(),
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.body);
    assert!(res.body.contains("larger than"), "{}", res.body);
    let res = c
        .raw(
            Method::POST,
            "/signup",
            "application/x-www-form-urlencoded",
            format!("csrf={csrf}&email=%ZZ%").into_bytes(),
        )
        .await;
    assert!(res.status.is_client_error(), "{}", res.status);
    let res = c.post_form("/login/mfa", &[("code", "1")]).await;
    assert_eq!(res.location(), Some("/login"));
    let res = c.post_form("/verify-email", &[("token", "garbage")]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("expired or was already used"));
    assert_eq!(app.state.store.count_users().await.unwrap(), 0);
}

#[tokio::test]
async fn dates_at_the_ends_of_the_calendar_are_refused_not_a_crash() {
    let app = spawn_app().await;
    let (therapist, kind) = bookable_therapist(&app, "lee@example.org", 0).await;
    app.enable_totp(&therapist).await;
    let client = ready_client(&app, "ana@example.org").await;
    let mut t = app.session_client(&therapist, SessionLevel::Mfa).await;
    let mut c = app.session_client(&client, SessionLevel::Password).await;
    for far in [
        "+262142-12-31",
        "-262143-01-01",
        "262142-12-31",
        "9999-12-31",
    ] {
        let week = t.get(&format!("/therapist/calendar?week={far}")).await;
        assert_eq!(
            week.status,
            StatusCode::OK,
            "a bad week shows the current one"
        );
        let book = c
            .get(&format!(
                "/therapists/{}/book?from={far}&session_type={kind}",
                therapist.id
            ))
            .await;
        assert_eq!(
            book.status,
            StatusCode::OK,
            "a bad start day shows from today"
        );
        for form in [
            "/therapist/schedule/overrides",
            "/therapist/schedule/time-off",
        ] {
            let res = t
                .post_form(
                    form,
                    &[
                        ("day", far),
                        ("from", far),
                        ("to", far),
                        ("start", "09:00"),
                        ("end", "12:00"),
                    ],
                )
                .await;
            assert!(
                res.status.is_client_error() || res.status.is_redirection(),
                "{form} {far}: {}",
                res.status
            );
            assert_ne!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
        }
        let api = c
            .json(
                Method::GET,
                &format!(
                    "/api/v1/therapists/{}/availability?from={far}T00:00:00Z",
                    therapist.id
                ),
                None,
            )
            .await;
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.body);
        let booked = c
            .json(
                Method::POST,
                "/api/v1/appointments",
                Some(json!({"therapist_id": therapist.id.as_str(), "session_type": kind, "starts_at": format!("{far}T09:00:00Z")})),
            )
            .await;
        assert_eq!(
            booked.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            booked.body
        );
        let license = t
            .json(
                Method::POST,
                "/api/v1/me/licenses",
                Some(json!({"license_type": "lpc", "number": "X1", "country": "US", "region": "TX", "issued_on": "2020-01-01", "expires_on": far})),
            )
            .await;
        assert_eq!(
            license.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            license.body
        );
    }
}
