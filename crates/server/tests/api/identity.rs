//! Who is who: API tokens expire and end with the second factor they were made under;
//! nobody can name themselves after the platform or its staff; and a clinician's name is
//! always shown with their verified credential, so a client's chosen name cannot pass
//! for one.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rapport_core::Role;
use rapport_store::sessions::SessionLevel;
use serde_json::json;

async fn new_token(c: &mut Client, name: &str) -> (String, serde_json::Value) {
    let created = c
        .json(
            Method::POST,
            "/api/v1/me/tokens",
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let j = created.json();
    (
        j["secret"].as_str().unwrap().to_string(),
        j["token"].clone(),
    )
}

async fn works(app: &TestApp, secret: &str) -> bool {
    let mut program = app.client();
    program.bearer = Some(secret.to_string());
    program.json(Method::GET, "/api/v1/me", None).await.status == StatusCode::OK
}

#[tokio::test]
async fn api_tokens_expire_and_end_when_the_second_factor_changes() {
    let app = spawn_app().await;
    let sam = app.user("sam@example.org", Role::Client).await;
    let mut c = app.session_client(&sam, SessionLevel::Password).await;

    // 90 days unless the operator says otherwise.
    let (old, token) = new_token(&mut c, "laptop").await;
    let ninety = 90 * 86_400_000_i64;
    let expires = token["expires_at"].as_i64().unwrap();
    assert!((expires - rapport_store::now_ms() - ninety).abs() < 60_000);
    assert!(works(&app, &old).await);
    app.state
        .store
        .raw_execute(
            "UPDATE api_tokens SET expires_at = $1 WHERE id = $2",
            &[
                (rapport_store::now_ms() - 1).into(),
                token["id"].as_str().unwrap().into(),
            ],
        )
        .await
        .unwrap();
    assert!(!works(&app, &old).await, "an expired token is refused");
    let page = c.get("/account").await.body;
    assert!(page.contains("expired"), "the account page says so");

    // Turning two-step verification on ends the tokens made without it.
    let (before_mfa, _) = new_token(&mut c, "script").await;
    assert!(works(&app, &before_mfa).await);
    let e = c.json(Method::POST, "/api/v1/me/mfa/totp", None).await;
    let seed = e.json()["secret"].as_str().unwrap().to_string();
    let confirmed = c
        .json(
            Method::POST,
            "/api/v1/me/mfa/totp/confirm",
            Some(json!({"code": totp_now(&seed)})),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert!(!works(&app, &before_mfa).await, "ended by turning MFA on");

    // And turning it off ends those made with it.
    let (with_mfa, _) = new_token(&mut c, "phone").await;
    assert!(works(&app, &with_mfa).await);
    let off = c
        .post_form("/account/mfa/disable", &[("current_password", STRONG)])
        .await;
    assert!(off.status.is_redirection(), "{} {}", off.status, off.body);
    assert!(!works(&app, &with_mfa).await, "ended by turning MFA off");
}

#[tokio::test]
async fn nobody_names_themselves_after_the_platform_or_its_staff() {
    let app = spawn_app().await;
    let mut anon = app.client();
    for name in ["Rapport Support", "Admin", "R\u{0430}pport Team"] {
        let res = anon
            .json(
                Method::POST,
                "/api/v1/accounts",
                Some(json!({"email": "x@example.org", "password": STRONG, "display_name": name, "time_zone": "UTC"})),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert_eq!(res.content_type(), "application/problem+json");
        assert!(res.body.contains("display_name"), "{}", res.body);
    }
    assert!(
        app.state
            .store
            .user_by_email(&rapport_core::Email::parse("x@example.org").unwrap())
            .await
            .unwrap()
            .is_none(),
        "nothing was created"
    );
    let sam = app.user("sam@example.org", Role::Client).await;
    let mut c = app.session_client(&sam, SessionLevel::Password).await;
    let res = c
        .json(
            Method::PATCH,
            "/api/v1/me",
            Some(json!({"display_name": "Rapport Support"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = c
        .post_form(
            "/account/profile",
            &[("display_name", "Site Administrator"), ("time_zone", "UTC")],
        )
        .await;
    assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(form
        .body
        .contains("names that look like Rapport or its staff"));
    let me = app.state.store.user(&sam.id).await.unwrap().unwrap();
    assert_eq!(me.display_name, "sam", "unchanged");
}

#[tokio::test]
async fn a_clinician_is_always_named_with_their_verified_credential() {
    let app = spawn_app().await;
    let (lee, kind) = bookable_therapist(&app, "lee@example.org", 0).await;
    // A client who calls themselves a doctor.
    let ana = ready_client(&app, "ana@example.org").await;
    app.state
        .store
        .raw_execute(
            "UPDATE users SET display_name = 'Dr. Ana Reyes, LPC' WHERE id = $1",
            &[ana.id.as_str().into()],
        )
        .await
        .unwrap();
    let id = appointment_at(
        &app,
        &lee,
        &ana,
        &kind,
        rapport_store::now_ms() + 86_400_000,
    )
    .await;
    let verified = "lee (Licensed Psychologist, verified)";

    let mut client = app.session_client(&ana, SessionLevel::Password).await;
    for path in ["/care".to_string(), format!("/appointments/{id}")] {
        let page = client.get(&path).await;
        assert!(page.body.contains(verified), "{path}: {}", page.body);
    }
    let listed = client
        .json(Method::GET, &format!("/api/v1/appointments/{id}"), None)
        .await;
    assert_eq!(listed.json()["appointment"]["therapist_name"], verified);
    let book = client
        .get(&format!("/therapists/{}/book?type={kind}", lee.id.as_str()))
        .await;
    assert!(book.body.contains(verified), "the booking page");

    // The therapist sees the client's chosen name, and nothing that vouches for it.
    let mut therapist = app.session_client(&lee, SessionLevel::Mfa).await;
    let care = therapist.get("/care").await.body;
    assert!(care.contains("Dr. Ana Reyes, LPC"));
    assert!(!care.contains("Dr. Ana Reyes, LPC (Licensed"));
}
