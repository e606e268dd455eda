//! The web shell and operations: headers, CSRF, error pages, crisis footer, health,
//! metrics, OpenAPI coverage, demo data.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rapport_core::Role;
use rapport_server::platform::config::CrisisLine;
use rapport_server::{route_table, AppState, Config};
use rapport_store::sessions::SessionLevel;
use std::collections::HashSet;

#[tokio::test]
async fn pages_carry_strict_security_headers() {
    let app = spawn_app().await;
    let mut c = app.client();
    for path in ["/", "/login", "/signup", "/crisis", "/no-such-page"] {
        let res = c.get(path).await;
        let csp = res.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("http"), "no third-party origin: {csp}");
        assert_eq!(res.headers["x-content-type-options"], "nosniff");
        assert_eq!(res.headers["referrer-policy"], "no-referrer");
        assert!(
            res.headers.get("strict-transport-security").is_none(),
            "no HSTS over http"
        );
        assert!(!res.body.contains("<script>"), "no inline script in {path}");
        let handlers = res
            .body
            .split_whitespace()
            .filter(|w| w.starts_with("on") && w.contains("=\""))
            .count();
        assert_eq!(handlers, 0, "no inline event handlers in {path}");
    }
    let user = app.user("ana@example.org", Role::Client).await;
    let mut signed_in = app.session_client(&user, SessionLevel::Password).await;
    for path in ["/", "/account", "/api/v1/me"] {
        assert_eq!(
            signed_in.get(path).await.headers["cache-control"],
            "no-store",
            "{path}"
        );
    }
}

#[tokio::test]
async fn https_deployments_send_hsts() {
    let store = rapport_testkit::fresh_store().await;
    let config = Config::new(
        url::Url::parse("https://rapport.example.org").unwrap(),
        std::env::temp_dir(),
    );
    let state = {
        let vault = test_vault(&config);
        AppState::new(store, config, vault)
    };
    let router = rapport_server::app(state);
    use tower::ServiceExt;
    let res = router
        .oneshot(
            axum::http::Request::get("/")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(res.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));
}

#[tokio::test]
async fn every_page_has_the_crisis_footer_and_it_is_configurable() {
    let app = spawn_app().await;
    let mut c = app.client();
    for path in ["/", "/login", "/signup", "/password-reset", "/no-such-page"] {
        let body = c.get(path).await.body;
        assert!(body.contains("988"), "{path} lacks the crisis footer");
        assert!(body.contains("href=\"/crisis\""));
    }
    assert!(c.get("/crisis").await.body.contains("Samaritans"));

    let store = rapport_testkit::fresh_store().await;
    let mut config = Config::new(
        url::Url::parse(BASE).unwrap(),
        std::env::temp_dir().join(rapport_store::new_id()),
    );
    config.crisis_lines = vec![CrisisLine {
        region: "DE".into(),
        contact: "0800 111 0 111".into(),
        name: "TelefonSeelsorge".into(),
    }];
    let state = {
        let vault = test_vault(&config);
        AppState::new(store, config, vault)
    };
    use tower::ServiceExt;
    let res = rapport_server::app(state)
        .oneshot(
            axum::http::Request::get("/")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let body = String::from_utf8(
        axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(body.contains("TelefonSeelsorge"));
}

#[tokio::test]
async fn error_pages_are_friendly_and_reveal_nothing() {
    let app = spawn_app().await;
    let mut c = app.client();
    let page = c.get("/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.content_type().starts_with("text/html"));
    assert!(page.body.contains("We could not find that page"));
    let api = c.get("/api/v1/nothing-here").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.content_type(), "application/problem+json");
    let p = api.json();
    assert_eq!(p["status"], 404);
    assert!(p["title"].is_string() && p["detail"].is_string());
    let user = app.user("ana@example.org", Role::Client).await;
    let mut client = app.session_client(&user, SessionLevel::Password).await;
    let forbidden = client.get("/admin").await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(forbidden.body.contains("You do not have access"));
}

#[tokio::test]
async fn state_changes_need_the_csrf_token_and_our_origin() {
    let app = spawn_app().await;
    let user = app.user("ana@example.org", Role::Client).await;
    let mut c = app.session_client(&user, SessionLevel::Password).await;
    // A form without the token (as a forged cross-site form would be).
    let body = "display_name=Mallory&time_zone=UTC".to_string();
    let req = axum::http::Request::post("/account/profile")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body))
        .unwrap();
    let res = c.send(req).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("Reload the page"));
    // The right token but a foreign Origin.
    let token = c.csrf().unwrap();
    let req = axum::http::Request::post("/account/profile")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .body(axum::body::Body::from(format!(
            "csrf={token}&display_name=Mallory&time_zone=UTC"
        )))
        .unwrap();
    assert_eq!(c.send(req).await.status, StatusCode::FORBIDDEN);
    // Fetch metadata saying another site sent it.
    let req = axum::http::Request::post("/account/profile")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::from(format!(
            "csrf={token}&display_name=Mallory&time_zone=UTC"
        )))
        .unwrap();
    assert_eq!(c.send(req).await.status, StatusCode::FORBIDDEN);
    // JSON with the session cookie but no header.
    let req = axum::http::Request::patch("/api/v1/me")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(r#"{"display_name":"Mallory"}"#))
        .unwrap();
    assert_eq!(c.send(req).await.status, StatusCode::FORBIDDEN);
    let me = app.state.store.user(&user.id).await.unwrap().unwrap();
    assert_eq!(me.display_name, "ana", "nothing changed");
    // Our own pages are served with no-referrer, so browsers send `Origin: null` and
    // `Sec-Fetch-Site: same-origin`: with the token, that is accepted.
    let req = axum::http::Request::post("/account/profile")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .body(axum::body::Body::from(format!(
            "csrf={token}&display_name=Ana&pronouns=&time_zone=UTC"
        )))
        .unwrap();
    assert_eq!(
        c.send(req).await.location(),
        Some("/account?notice=profile-saved")
    );
    // With the token, the same change goes through.
    let ok = c
        .post_form(
            "/account/profile",
            &[
                ("display_name", "Ana"),
                ("pronouns", ""),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(ok.location(), Some("/account?notice=profile-saved"));
}

#[tokio::test]
async fn health_readiness_and_metrics_by_route_template() {
    let app = spawn_app().await;
    let mut c = app.client();
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
    let ready = c.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["migrations"], "current");
    let user = app.user("ana@example.org", Role::Client).await;
    let mut s = app.session_client(&user, SessionLevel::Password).await;
    s.json(
        Method::DELETE,
        "/api/v1/me/tokens/secret-looking-id-123",
        None,
    )
    .await;
    s.get("/verify-email?token=canary-token-in-url").await;
    // Made-up methods share one label: they cannot grow the metrics without end.
    for i in 0..50 {
        let method = Method::from_bytes(format!("MADEUP{i}").as_bytes()).unwrap();
        c.json(method, "/healthz", None).await;
    }
    // Without a configured token, /metrics is not on the public listener at all.
    assert_eq!(c.get("/metrics").await.status, StatusCode::NOT_FOUND);
    let mut config = app.state.config.clone();
    config.metrics_token = Some("scrape-secret-1".into());
    let state =
        rapport_server::AppState::new(app.state.store.clone(), config, app.state.vault.clone());
    let router = rapport_server::app(state.clone());
    let scrape = |token: Option<&'static str>| {
        let router = router.clone();
        async move {
            let mut req = axum::http::Request::get("/metrics");
            if let Some(t) = token {
                req = req.header("authorization", format!("Bearer {t}"));
            }
            let res =
                tower::ServiceExt::oneshot(router, req.body(axum::body::Body::empty()).unwrap())
                    .await
                    .unwrap();
            let status = res.status();
            let ct = res
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string());
            let body = axum::body::to_bytes(res.into_body(), 1 << 24)
                .await
                .unwrap();
            (status, ct, String::from_utf8_lossy(&body).into_owned())
        }
    };
    assert_eq!(scrape(None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(scrape(Some("wrong")).await.0, StatusCode::NOT_FOUND);
    let (status, ct, text) = scrape(Some("scrape-secret-1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        ct.as_deref(),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert!(
        text.trim_end().ends_with("# EOF"),
        "OpenMetrics ends with # EOF"
    );
    assert!(text.contains("rapport_http_request_duration_seconds_bucket"));
    assert!(text.contains("rapport_mail_outbox{state=\"pending\"}"));
    // What the first app counted (its registry, as its own scrape would show it).
    let text = app.state.metrics.encode();
    assert!(text.contains("rapport_http_requests_total{method=\"DELETE\",route=\"/api/v1/me/tokens/{id}\",status=\"404\"} 1"), "{text}");
    assert!(
        text.contains("method=\"OTHER\""),
        "made-up methods are counted as OTHER"
    );
    assert!(!text.contains("MADEUP"), "no label per made-up method");
    assert!(!text.contains("secret-looking-id-123") && !text.contains("canary-token"));
}

#[tokio::test]
async fn openapi_documents_every_api_route_with_errors() {
    let app = spawn_app().await;
    let mut c = app.client();
    let doc = c.get("/api/v1/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut documented = HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.insert((method.to_uppercase(), path.clone()));
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('4')),
                "{method} {path} documents no error response"
            );
            for (code, r) in responses.iter().filter(|(k, _)| k.starts_with('4')) {
                assert!(
                    r["content"]["application/problem+json"].is_object(),
                    "{method} {path} {code} is not problem+json"
                );
            }
        }
    }
    for route in route_table(&app.state)
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json")
    {
        assert!(
            documented.contains(&(route.method.to_string(), route.path.to_string())),
            "{} {} is not in the OpenAPI document",
            route.method,
            route.path
        );
    }
}

#[tokio::test]
async fn demo_data_is_seeded_once() {
    let app = spawn_app().await;
    let first = rapport_cli::demo::seed(&app.state.store, &app.state.vault)
        .await
        .unwrap();
    let again = rapport_cli::demo::seed(&app.state.store, &app.state.vault)
        .await
        .unwrap();
    assert_eq!(first.len(), again.len());
    let users = app.state.store.list_users(100, 0).await.unwrap();
    assert_eq!(users.len(), first.len(), "no duplicates");
    let count = |r: Role| users.iter().filter(|u| u.role == r).count();
    assert!(count(Role::Therapist) >= 12);
    assert_eq!(count(Role::Client), 5);
    assert_eq!(count(Role::Admin), 1);
    let zones: HashSet<_> = users.iter().map(|u| u.time_zone.clone()).collect();
    assert!(zones.len() >= 4, "varied time zones");
    // Dr. Lee has one request waiting and one client in care, once.
    let lee = users
        .iter()
        .find(|u| u.display_name == "Dr. Hannah Lee")
        .unwrap();
    let care = app.state.store.care_of(&lee.id, 0).await.unwrap();
    let mut statuses: Vec<&str> = care.iter().map(|c| c.status.as_str()).collect();
    statuses.sort();
    assert_eq!(statuses, ["active", "requested"]);
    let mut c = app.client();
    let res = c
        .post_form(
            "/login",
            &[
                ("email", "jordan@demo.rapport.localhost"),
                ("password", rapport_cli::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("/"));
}

#[tokio::test]
async fn assets_have_content_hashed_names_and_are_cached_for_a_year() {
    let app = spawn_app().await;
    let mut c = app.client();
    let page = c.get("/login").await.body;
    let href = |ext: &str| {
        page.split('"')
            .find(|s| s.starts_with("/static/app.") && s.ends_with(ext))
            .unwrap_or_else(|| panic!("no hashed .{ext} link in the page"))
            .to_string()
    };
    for (path, kind) in [(href("css"), "text/css"), (href("js"), "text/javascript")] {
        let hash = path.split('.').nth(1).unwrap();
        assert!(
            hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{path}"
        );
        let res = c.get(&path).await;
        assert_eq!(res.status, axum::http::StatusCode::OK);
        assert!(res.content_type().starts_with(kind));
        assert_eq!(
            res.headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
    }
    for stale in [
        "/static/app.css",
        "/static/app.0000000000000000.css",
        "/static/../Cargo.toml",
    ] {
        assert_eq!(
            c.get(stale).await.status,
            axum::http::StatusCode::NOT_FOUND,
            "{stale}"
        );
    }
}
