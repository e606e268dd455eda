//! Account journeys end to end through the web pages and the API.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rapport_core::Role;
use rapport_server::platform::auth::{CSRF_COOKIE, SESSION_COOKIE};
use rapport_store::sessions::SessionLevel;
use serde_json::json;

fn token_of(link: &str) -> String {
    link.split("token=").nth(1).unwrap().to_string()
}

async fn sign_up_web(c: &mut Client, email: &str) -> TestResponse {
    c.get("/signup").await;
    c.post_form(
        "/signup",
        &[
            ("email", email),
            ("password", STRONG),
            ("display_name", "Ana Lee"),
            ("pronouns", "she/her"),
            ("time_zone", "America/Chicago"),
        ],
    )
    .await
}

#[tokio::test]
async fn sign_up_verify_log_in_and_out_on_the_web() {
    let app = spawn_app().await;
    let mut c = app.client();
    let res = sign_up_web(&mut c, "ana@example.org").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), Some("/signup/check-email"));
    assert!(c
        .get("/signup/check-email")
        .await
        .body
        .contains("Check your e-mail"));

    // Logging in before confirming is refused and sends a fresh link.
    let res = c
        .post_form(
            "/login",
            &[("email", "ana@example.org"), ("password", STRONG)],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("confirm your e-mail"));

    let link = app
        .link_in_mail("ana@example.org", "/verify-email?token=")
        .await;
    let path = link.trim_start_matches(BASE).to_string();
    let page = c.get(&path).await;
    assert!(
        page.body.contains("Verify my e-mail"),
        "opening the link must not spend it"
    );
    let res = c
        .post_form("/verify-email", &[("token", &token_of(&link))])
        .await;
    assert_eq!(res.location(), Some("/login?notice=verified"));
    assert!(c
        .get("/login?notice=verified")
        .await
        .body
        .contains("Your e-mail address is confirmed"));
    let again = c
        .post_form("/verify-email", &[("token", &token_of(&link))])
        .await;
    assert_eq!(
        again.status,
        StatusCode::BAD_REQUEST,
        "links are single-use"
    );

    let res = c
        .post_form(
            "/login",
            &[("email", "ANA@example.org"), ("password", STRONG)],
        )
        .await;
    assert_eq!(res.location(), Some("/"));
    let cookie = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with(SESSION_COOKIE))
        .unwrap();
    for attr in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    let home = c.get("/").await;
    assert!(home.body.contains("Hello, Ana Lee"));
    assert_eq!(home.headers["cache-control"], "no-store");

    let res = c.post_form("/logout", &[]).await;
    assert_eq!(res.location(), Some("/login?notice=signed-out"));
    assert_eq!(c.get("/account").await.location(), Some("/login"));
}

#[tokio::test]
async fn signing_up_twice_reveals_nothing_and_tells_the_owner() {
    let app = spawn_app().await;
    let mut c = app.client();
    sign_up_web(&mut c, "ana@example.org").await;
    let res = sign_up_web(&mut c, "ana@example.org").await;
    assert_eq!(
        res.location(),
        Some("/signup/check-email"),
        "same outcome for an existing address"
    );
    let mails = app.mails_to("ana@example.org").await;
    assert_eq!(mails.len(), 2);
    assert!(mails[1].contains("You already have a Rapport account"));
    assert_eq!(app.state.store.count_users().await.unwrap(), 1);
}

#[tokio::test]
async fn sign_up_shows_each_problem_beside_its_field() {
    let app = spawn_app().await;
    let mut c = app.client();
    let res = c
        .post_form(
            "/signup",
            &[
                ("email", "not-an-email"),
                ("password", "password123"),
                ("display_name", ""),
                ("time_zone", "Mars/Base"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "Enter an e-mail address like",
        "common or breached",
        "Enter the name",
        "time zone name like",
    ] {
        assert!(res.body.contains(msg), "missing {msg:?}");
    }
    assert!(
        res.body.contains("value=\"not-an-email\""),
        "what was typed is kept"
    );
    assert!(
        !res.body.contains("password123"),
        "passwords are never echoed"
    );
    assert_eq!(app.state.store.count_users().await.unwrap(), 0);
}

#[tokio::test]
async fn wrong_email_and_wrong_password_look_the_same_and_are_recorded() {
    let app = spawn_app().await;
    app.user("ana@example.org", Role::Client).await;
    let mut c = app.client();
    let a = c
        .post_form(
            "/login",
            &[
                ("email", "ana@example.org"),
                ("password", "wrong wrong wrong"),
            ],
        )
        .await;
    let b = c
        .post_form(
            "/login",
            &[
                ("email", "nobody@example.org"),
                ("password", "wrong wrong wrong"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.status, b.status);
    assert!(a.body.contains("Incorrect e-mail or password."));
    assert!(b.body.contains("Incorrect e-mail or password."));
    let events = app.state.store.security_events(None, 10).await.unwrap();
    assert_eq!(
        events.iter().filter(|e| e.kind == "login_failed").count(),
        2
    );
    let ok = c
        .post_form(
            "/login",
            &[("email", "ana@example.org"), ("password", STRONG)],
        )
        .await;
    assert_eq!(ok.location(), Some("/"));
    let events = app.state.store.security_events(None, 10).await.unwrap();
    assert!(events
        .iter()
        .any(|e| e.kind == "login_succeeded" && e.request_id.is_some()));
}

#[tokio::test]
async fn repeated_failures_lock_the_account_and_then_the_address() {
    let app = spawn_app().await;
    app.user("ana@example.org", Role::Client).await;
    app.user("ben@example.org", Role::Client).await;
    let mut attacker = app.client();
    attacker.ip = [10, 0, 0, 9];
    for _ in 0..5 {
        let r = attacker
            .post_form(
                "/login",
                &[
                    ("email", "ana@example.org"),
                    ("password", "guess guess guess"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let locked = attacker
        .post_form(
            "/login",
            &[("email", "ana@example.org"), ("password", STRONG)],
        )
        .await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(locked.body.contains("Too many sign-in attempts"));
    // Another account from a clean address is unaffected.
    let mut other = app.client();
    other.ip = [10, 0, 0, 10];
    let ok = other
        .post_form(
            "/login",
            &[("email", "ben@example.org"), ("password", STRONG)],
        )
        .await;
    assert_eq!(ok.location(), Some("/"));
    // Spraying many accounts from one address trips the address limit.
    for i in 0..30 {
        attacker
            .post_form(
                "/login",
                &[
                    ("email", &format!("u{i}@example.org")),
                    ("password", "guess guess"),
                ],
            )
            .await;
    }
    let r = attacker
        .post_form(
            "/login",
            &[("email", "ben@example.org"), ("password", STRONG)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn clinicians_must_enrol_in_mfa_before_anything_else() {
    let app = spawn_app().await;
    app.user("lee@example.org", Role::Therapist).await;
    let mut c = app.client();
    let res = c
        .post_form(
            "/login",
            &[("email", "lee@example.org"), ("password", STRONG)],
        )
        .await;
    assert_eq!(res.location(), Some("/account/mfa"));
    let before = c.jar[SESSION_COOKIE].clone();
    assert_eq!(
        c.get("/").await.status,
        StatusCode::OK,
        "the public home page stays reachable"
    );
    assert_eq!(
        c.post_form("/account/tokens", &[("name", "x")])
            .await
            .location(),
        Some("/account/mfa")
    );
    let api = c.json(Method::GET, "/api/v1/me/tokens", None).await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert!(api.json()["detail"]
        .as_str()
        .unwrap()
        .contains("two-step verification"));

    let page = c.get("/account/mfa").await;
    assert!(page.body.contains("<svg"), "QR code drawn inline");
    let secret: String = page
        .body
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "");
    let wrong = c.post_form("/account/mfa", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = c
        .post_form("/account/mfa", &[("code", &totp_now(&secret))])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    let codes = done
        .body
        .split("<ol id=\"recovery-codes\"")
        .nth(1)
        .unwrap()
        .split("</ol>")
        .next()
        .unwrap();
    assert_eq!(codes.matches("<li>").count(), 10);
    assert_ne!(c.jar[SESSION_COOKIE], before, "a new token at MFA step-up");
    let mut stale = app.client();
    stale.jar.insert(SESSION_COOKIE.into(), before);
    assert_eq!(stale.get("/account").await.location(), Some("/login"));
    let tokens = c.json(Method::GET, "/api/v1/me/tokens", None).await;
    assert_eq!(tokens.status, StatusCode::OK);
    assert!(app
        .mails_to("lee@example.org")
        .await
        .iter()
        .any(|m| m.contains("Two-step verification is on")));
}

#[tokio::test]
async fn login_with_mfa_takes_a_fresh_code_or_a_recovery_code_once() {
    let app = spawn_app().await;
    let user = app.user("lee@example.org", Role::Therapist).await;
    let secret = app.enable_totp(&user).await;
    let mut c = app.client();
    let res = c
        .post_form(
            "/login",
            &[("email", "lee@example.org"), ("password", STRONG)],
        )
        .await;
    assert_eq!(res.location(), Some("/login/mfa"));
    assert_eq!(c.get("/account").await.location(), Some("/login/mfa"));
    let bad = c.post_form("/login/mfa", &[("code", "123456")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = totp_now(&secret);
    let ok = c.post_form("/login/mfa", &[("code", &code)]).await;
    assert_eq!(ok.location(), Some("/"));
    assert_eq!(c.get("/account").await.status, StatusCode::OK);

    // The same code cannot be replayed by someone who saw it.
    let mut other = app.client();
    other
        .post_form(
            "/login",
            &[("email", "lee@example.org"), ("password", STRONG)],
        )
        .await;
    let replay = other.post_form("/login/mfa", &[("code", &code)]).await;
    assert_eq!(replay.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A recovery code works, once.
    let rc = other
        .post_form("/login/mfa", &[("code", "AAAA-BBBB-CCCC")])
        .await;
    assert_eq!(rc.location(), Some("/"));
    let mut third = app.client();
    third
        .post_form(
            "/login",
            &[("email", "lee@example.org"), ("password", STRONG)],
        )
        .await;
    let again = third
        .post_form("/login/mfa", &[("code", "aaaabbbbcccc")])
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = spawn_app().await;
    let user = app.user("ana@example.org", Role::Client).await;
    let mut here = app.session_client(&user, SessionLevel::Password).await;
    let mut there = app.session_client(&user, SessionLevel::Password).await;
    let wrong = here
        .post_form(
            "/account/password",
            &[
                ("current_password", "not it at all"),
                ("new_password", "violet anchor mountain drift"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("current password is not right"));
    let weak = here
        .post_form(
            "/account/password",
            &[("current_password", STRONG), ("new_password", "qwertyuiop")],
        )
        .await;
    assert!(weak.body.contains("common or breached"));
    let before = here.jar[SESSION_COOKIE].clone();
    let ok = here
        .post_form(
            "/account/password",
            &[
                ("current_password", STRONG),
                ("new_password", "violet anchor mountain drift"),
            ],
        )
        .await;
    assert_eq!(ok.location(), Some("/account?notice=password-changed"));
    assert_ne!(here.jar[SESSION_COOKIE], before);
    assert_eq!(here.get("/account").await.status, StatusCode::OK);
    assert_eq!(
        there.get("/account").await.location(),
        Some("/login"),
        "other sessions end"
    );
    let mut c = app.client();
    let res = c
        .post_form(
            "/login",
            &[
                ("email", "ana@example.org"),
                ("password", "violet anchor mountain drift"),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("/"));
    assert!(app
        .mails_to("ana@example.org")
        .await
        .iter()
        .any(|m| m.contains("password for your Rapport account was just changed")));
}

#[tokio::test]
async fn a_reset_link_works_once_for_30_minutes_and_never_skips_mfa() {
    let app = spawn_app().await;
    let user = app.user("lee@example.org", Role::Therapist).await;
    app.enable_totp(&user).await;
    let mut old = app.session_client(&user, SessionLevel::Mfa).await;
    let mut c = app.client();
    let res = c
        .post_form("/password-reset", &[("email", "lee@example.org")])
        .await;
    assert!(res.body.contains("If that address has a Rapport account"));
    let unknown = c
        .post_form("/password-reset", &[("email", "nobody@example.org")])
        .await;
    assert_eq!(
        unknown.body, res.body,
        "the same page for unknown addresses"
    );
    let link = app
        .link_in_mail("lee@example.org", "/password-reset/confirm?token=")
        .await;
    let token = token_of(&link);
    let weak = c
        .post_form(
            "/password-reset/confirm",
            &[("token", &token), ("new_password", "short")],
        )
        .await;
    assert_eq!(
        weak.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a refused password does not spend the link"
    );
    let ok = c
        .post_form(
            "/password-reset/confirm",
            &[
                ("token", &token),
                ("new_password", "violet anchor mountain drift"),
            ],
        )
        .await;
    assert_eq!(ok.location(), Some("/login?notice=password-reset"));
    let again = c
        .post_form(
            "/password-reset/confirm",
            &[
                ("token", &token),
                ("new_password", "another fine passphrase here"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        old.get("/account").await.location(),
        Some("/login"),
        "sessions end at reset"
    );
    let login = c
        .post_form(
            "/login",
            &[
                ("email", "lee@example.org"),
                ("password", "violet anchor mountain drift"),
            ],
        )
        .await;
    assert_eq!(
        login.location(),
        Some("/login/mfa"),
        "the second factor is still required"
    );

    // Links die after 30 minutes.
    let expired = "expired-token-value";
    app.state
        .store
        .issue_account_token(
            &user.id,
            rapport_store::tokens::TokenPurpose::ResetPassword,
            &rapport_store::token_hash(expired),
            -1,
        )
        .await
        .unwrap();
    let dead = c
        .post_form(
            "/password-reset/confirm",
            &[
                ("token", expired),
                ("new_password", "violet anchor mountain drift"),
            ],
        )
        .await;
    assert_eq!(dead.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        rapport_server::accounts::service::RESET_LINK_VALID_MS,
        30 * 60 * 1000
    );
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session() {
    let app = spawn_app().await;
    let user = app.user("ana@example.org", Role::Client).await;
    let mut a = app.session_client(&user, SessionLevel::Password).await;
    let mut b = app.session_client(&user, SessionLevel::Password).await;
    let res = a.post_form("/account/sessions/revoke-all", &[]).await;
    assert_eq!(res.location(), Some("/login?notice=signed-out-everywhere"));
    assert_eq!(a.get("/account").await.location(), Some("/login"));
    assert_eq!(b.get("/account").await.location(), Some("/login"));
}

#[tokio::test]
async fn clinician_sessions_are_shorter_than_client_sessions() {
    let app = spawn_app().await;
    app.user("ana@example.org", Role::Client).await;
    let lee = app.user("lee@example.org", Role::Therapist).await;
    let ana = app
        .state
        .store
        .user_by_email(&rapport_core::Email::parse("ana@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut c = app.client();
    c.post_form(
        "/login",
        &[("email", "ana@example.org"), ("password", STRONG)],
    )
    .await;
    let mut t = app.client();
    t.post_form(
        "/login",
        &[("email", "lee@example.org"), ("password", STRONG)],
    )
    .await;
    let cs = &app.state.store.user_sessions(&ana.id).await.unwrap()[0];
    let ts = &app.state.store.user_sessions(&lee.id).await.unwrap()[0];
    assert_eq!(cs.idle_timeout_ms, 30 * 60 * 1000);
    assert_eq!(ts.idle_timeout_ms, 15 * 60 * 1000);
    assert!(ts.absolute_expires_at - ts.created_at < cs.absolute_expires_at - cs.created_at);
}

#[tokio::test]
async fn the_api_offers_the_same_journey_with_bearer_tokens() {
    let app = spawn_app().await;
    let mut c = app.client();
    let res = c
        .json(
            Method::POST,
            "/api/v1/accounts",
            Some(json!({
                "email": "sam@example.org", "password": STRONG, "display_name": "Sam",
                "pronouns": "they/them", "time_zone": "Europe/Berlin"
            })),
        )
        .await;
    assert_eq!(res.status, StatusCode::ACCEPTED, "{}", res.body);
    let link = app
        .link_in_mail("sam@example.org", "/verify-email?token=")
        .await;
    let res = c
        .json(
            Method::POST,
            "/api/v1/accounts/verify-email",
            Some(json!({"token": token_of(&link)})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let res = c
        .json(
            Method::POST,
            "/api/v1/session",
            Some(json!({"email": "sam@example.org", "password": STRONG})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["mfa_required"], false);
    assert!(c.jar.contains_key(SESSION_COOKIE) && c.jar.contains_key(CSRF_COOKIE));
    let me = c.json(Method::GET, "/api/v1/me", None).await.json();
    assert_eq!(me["pronouns"], "they/them");
    assert_eq!(me["role"], "client");
    let patched = c
        .json(
            Method::PATCH,
            "/api/v1/me",
            Some(json!({"time_zone": "Asia/Tokyo"})),
        )
        .await;
    assert_eq!(patched.json()["time_zone"], "Asia/Tokyo");
    let created = c
        .json(
            Method::POST,
            "/api/v1/me/tokens",
            Some(json!({"name": "script"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let secret = created.json()["secret"].as_str().unwrap().to_string();
    let id = created.json()["token"]["id"].as_str().unwrap().to_string();

    let mut program = app.client();
    program.bearer = Some(secret.clone());
    assert_eq!(
        program.json(Method::GET, "/api/v1/me", None).await.json()["display_name"],
        "Sam"
    );
    // A program with a bearer token needs no CSRF token.
    let mut bare = program.clone();
    bare.jar.clear();
    let listed = bare.json(Method::GET, "/api/v1/me/tokens", None).await;
    assert_eq!(listed.json().as_array().unwrap().len(), 1);
    assert!(!listed.body.contains(&secret), "secrets are never listed");
    let del = bare
        .json(Method::DELETE, &format!("/api/v1/me/tokens/{id}"), None)
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    let after = bare.json(Method::GET, "/api/v1/me", None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.content_type(), "application/problem+json");
    let bogus = {
        let mut p = app.client();
        p.bearer = Some("rpt_nope".into());
        p.json(Method::GET, "/api/v1/me", None).await
    };
    assert_eq!(bogus.status, StatusCode::UNAUTHORIZED);

    let out = c.json(Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        c.json(Method::GET, "/api/v1/me", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn api_mfa_enrolment_and_login() {
    let app = spawn_app().await;
    app.user("admin@example.org", Role::Admin).await;
    let mut c = app.client();
    let res = c
        .json(
            Method::POST,
            "/api/v1/session",
            Some(json!({"email": "admin@example.org", "password": STRONG})),
        )
        .await;
    assert_eq!(res.json()["mfa_enrolment_required"], true);
    assert_eq!(
        c.json(Method::GET, "/api/v1/admin/users", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let e = c.json(Method::POST, "/api/v1/me/mfa/totp", None).await;
    assert_eq!(e.status, StatusCode::CREATED, "{}", e.body);
    let secret = e.json()["secret"].as_str().unwrap().to_string();
    assert!(e.json()["qr_svg"].as_str().unwrap().contains("<svg"));
    let done = c
        .json(
            Method::POST,
            "/api/v1/me/mfa/totp/confirm",
            Some(json!({"code": totp_now(&secret)})),
        )
        .await;
    assert_eq!(done.json()["recovery_codes"].as_array().unwrap().len(), 10);
    let users = c.json(Method::GET, "/api/v1/admin/users", None).await;
    assert_eq!(users.status, StatusCode::OK);
    assert!(!users.body.contains("password"), "no hashes in admin views");

    let mut fresh = app.client();
    let res = fresh
        .json(
            Method::POST,
            "/api/v1/session",
            Some(json!({"email": "admin@example.org", "password": STRONG})),
        )
        .await;
    assert_eq!(res.json()["mfa_required"], true);
    assert_eq!(
        fresh.json(Method::GET, "/api/v1/me", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let wrong = fresh
        .json(
            Method::POST,
            "/api/v1/session/mfa",
            Some(json!({"code": "000000"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.json()["errors"][0]["field"], "code");
}

#[tokio::test]
async fn a_right_password_does_not_reset_the_count_of_wrong_codes() {
    let app = spawn_app().await;
    let user = app.user("lee@example.org", Role::Therapist).await;
    app.enable_totp(&user).await;
    let mut c = app.client();
    c.ip = [10, 1, 1, 1];
    for _ in 0..3 {
        c.jar.clear();
        let res = c
            .post_form(
                "/login",
                &[("email", "lee@example.org"), ("password", STRONG)],
            )
            .await;
        assert_eq!(res.location(), Some("/login/mfa"));
        c.post_form("/login/mfa", &[("code", "000000")]).await;
        c.post_form("/login/mfa", &[("code", "111111")]).await;
    }
    c.jar.clear();
    let locked = c
        .post_form(
            "/login",
            &[("email", "lee@example.org"), ("password", STRONG)],
        )
        .await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "six wrong codes lock the account despite right passwords"
    );
}

#[tokio::test]
async fn recovery_steps_end_api_tokens_and_other_sessions() {
    let app = spawn_app().await;
    let ana = app.user("ana@example.org", Role::Client).await;
    app.state
        .store
        .create_api_token(
            &ana.id,
            "old laptop",
            &rapport_store::token_hash("rpt_stolen"),
            86_400_000,
        )
        .await
        .unwrap();
    let mut thief = app.client();
    thief.bearer = Some("rpt_stolen".into());
    assert_eq!(
        thief.json(Method::GET, "/api/v1/me", None).await.status,
        StatusCode::OK
    );
    let mut c = app.client();
    c.post_form("/password-reset", &[("email", "ana@example.org")])
        .await;
    let link = app
        .link_in_mail("ana@example.org", "/password-reset/confirm?token=")
        .await;
    c.post_form(
        "/password-reset/confirm",
        &[
            ("token", &token_of(&link)),
            ("new_password", "violet anchor mountain drift"),
        ],
    )
    .await;
    assert_eq!(
        thief.json(Method::GET, "/api/v1/me", None).await.status,
        StatusCode::UNAUTHORIZED,
        "a reset revokes API tokens"
    );

    // Turning on two-step verification ends sessions that signed in without it.
    let mut here = app.session_client(&ana, SessionLevel::Password).await;
    let mut there = app.session_client(&ana, SessionLevel::Password).await;
    let page = here.get("/account/mfa").await;
    let secret: String = page
        .body
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .replace(' ', "");
    let done = here
        .post_form("/account/mfa", &[("code", &totp_now(&secret))])
        .await;
    assert!(done.body.contains("recovery-codes"), "{}", done.status);
    assert_eq!(here.get("/account").await.status, StatusCode::OK);
    assert_eq!(there.get("/account").await.location(), Some("/login"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_is_throttled_on_its_own() {
    let store = rapport_testkit::fresh_store().await;
    let dir = std::env::temp_dir().join(rapport_store::new_id());
    let mut config = rapport_server::Config::new(url::Url::parse(BASE).unwrap(), dir);
    config.trust_proxy = true;
    let vault = test_vault(&config);
    let state = rapport_server::AppState::new(store, config, vault);
    let app = TestApp {
        router: rapport_server::app(state.clone()),
        state,
    };
    app.user("ben@example.org", Role::Client).await;
    let login = |client: &mut Client,
                 forwarded: &'static str,
                 email: &'static str,
                 password: &'static str| {
        let csrf = client.csrf().unwrap_or_default();
        let body = format!(
            "csrf={csrf}&email={email}&password={}",
            password.replace(' ', "+")
        );
        let req = axum::http::Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", forwarded)
            .body(axum::body::Body::from(body))
            .unwrap();
        let mut c = client.clone();
        async move { c.send(req).await }
    };
    let mut c = app.client();
    c.get("/").await;
    // An attacker behind the proxy sprays logins; their forged first hop is ignored.
    for i in 0..30 {
        let email: &'static str = Box::leak(format!("u{i}@example.org").into_boxed_str());
        login(&mut c, "1.2.3.4, 203.0.113.7", email, "guess guess").await;
    }
    let attacker = login(&mut c, "9.9.9.9, 203.0.113.7", "ben@example.org", STRONG).await;
    assert_eq!(attacker.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client arriving through the same proxy is not locked out.
    let other = login(&mut c, "198.51.100.9", "ben@example.org", STRONG).await;
    assert_eq!(other.location(), Some("/"));
}

#[tokio::test]
async fn the_csrf_token_changes_with_the_session() {
    let app = spawn_app().await;
    app.user("ana@example.org", Role::Client).await;
    let mut c = app.client();
    c.get("/login").await;
    let before = c.csrf().unwrap();
    c.post_form(
        "/login",
        &[("email", "ana@example.org"), ("password", STRONG)],
    )
    .await;
    let signed_in = c.csrf().unwrap();
    assert_ne!(
        before, signed_in,
        "a token seen before login is useless after it"
    );
    assert_eq!(
        c.post_form(
            "/account/profile",
            &[("display_name", "Ana"), ("time_zone", "UTC")]
        )
        .await
        .location(),
        Some("/account?notice=profile-saved")
    );
    c.post_form("/logout", &[]).await;
    assert_ne!(c.csrf().unwrap(), signed_in);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_parallel_wrong_passwords_get_exactly_the_limit_checked() {
    let app = spawn_app().await;
    app.user("ana@example.org", Role::Client).await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(40));
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let mut c = app.client();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            c.get("/healthz").await;
            barrier.wait().await;
            c.json(
                Method::POST,
                "/api/v1/session",
                Some(json!({"email": "ana@example.org", "password": "wrong horse battery"})),
            )
            .await
            .status
        }));
    }
    let mut checked = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        (checked, refused),
        (
            rapport_server::platform::auth::throttle::ACCOUNT_LIMIT as usize,
            35
        ),
        "the limit holds under concurrency"
    );
    // Even the right password is refused now, until the window passes.
    let mut c = app.client();
    let res = c
        .json(
            Method::POST,
            "/api/v1/session",
            Some(json!({"email": "ana@example.org", "password": STRONG})),
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn anonymous_requests_cannot_flood_a_mailbox_or_time_an_address() {
    let app = spawn_app().await;
    app.user("ana@example.org", Role::Client).await;
    // Sign-up and reset for an address that has an account, many times from one address.
    for i in 0..12 {
        let mut c = app.client();
        let res = c
            .json(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"email": "ana@example.org", "password": STRONG, "display_name": format!("Ana {i}"), "time_zone": "UTC"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::ACCEPTED, "the answer never changes");
        let res = c
            .json(
                Method::POST,
                "/api/v1/password-reset",
                Some(json!({"email": "ana@example.org"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::ACCEPTED);
    }
    let mails = app.mails_to("ana@example.org").await;
    assert_eq!(
        mails.len(),
        rapport_server::platform::auth::throttle::MAILS_PER_RECIPIENT as usize,
        "24 requests, and only the recipient's share of mails went out"
    );
    // One client address cannot spread the same flood over many recipients either.
    for i in 0..30 {
        let mut c = app.client();
        c.ip = [10, 0, 0, 7];
        let email = format!("someone{i}@example.org");
        c.json(
            Method::POST,
            "/api/v1/password-reset",
            Some(json!({"email": email})),
        )
        .await;
    }
    let budget = app
        .state
        .store
        .raw_i64("SELECT COUNT(*) FROM mail_sends WHERE ip = '10.0.0.7'", &[])
        .await
        .unwrap();
    assert_eq!(
        budget,
        rapport_server::platform::auth::throttle::MAILS_PER_ADDRESS
    );

    // A reset takes the same time whether or not the address has an account.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..3 {
        let mut c = app.client();
        c.ip = [10, 0, 1, i];
        let t = std::time::Instant::now();
        c.json(
            Method::POST,
            "/api/v1/password-reset",
            Some(json!({"email": format!("fresh{i}@example.org")})),
        )
        .await;
        unknown.push(t.elapsed().as_millis() as i64);
        let fresh = app
            .user(&format!("known{i}@example.org"), Role::Client)
            .await;
        let t = std::time::Instant::now();
        c.json(
            Method::POST,
            "/api/v1/password-reset",
            Some(json!({"email": fresh.email})),
        )
        .await;
        known.push(t.elapsed().as_millis() as i64);
    }
    let floor = rapport_server::accounts::service::RESET_ANSWER_MS as i64;
    for ms in known.iter().chain(&unknown) {
        assert!(
            *ms >= floor,
            "every answer waits for the fixed time: {known:?} {unknown:?}"
        );
    }
    let (k, u) = (
        known.iter().sum::<i64>() / 3,
        unknown.iter().sum::<i64>() / 3,
    );
    assert!((k - u).abs() < 60, "known {k} ms, unknown {u} ms");
}
