//! The privacy centre: a therapist's access to a client's sealed record shows up for the
//! client in plain words, in the API, and as FHIR AuditEvents a real FHIR library accepts.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rapport_core::Role;
use rapport_store::sessions::SessionLevel;
use rapport_vault::{Locator, Purpose, RecordKind};

#[tokio::test]
async fn clients_see_who_read_their_records() {
    let app = spawn_app().await;
    let ana = app.user("ana@example.org", Role::Client).await;
    let lee = app.user("lee@example.org", Role::Therapist).await;
    let mut c = app.session_client(&ana, SessionLevel::Password).await;
    assert!(c
        .get("/privacy")
        .await
        .body
        .contains("No one other than you has opened your records"));

    let care = app.relate(&ana, &lee, Stage::Active).await;
    let at = Locator {
        client: &ana.id,
        care: Some(&care),
        kind: RecordKind::Note,
        table: "notes",
        row_id: "note-1",
        field: "body",
    };
    let ctx = app.actor(&lee).await.access(Purpose::Treatment, "req-42");
    let mut tx = app.state.store.begin_write().await.unwrap();
    let sealed = app
        .state
        .vault
        .seal(&mut tx, &ctx, &at, "canary clinical note")
        .await
        .unwrap();
    let opened = app
        .state
        .vault
        .open(&mut tx, &ctx, &at, &sealed)
        .await
        .unwrap();
    assert_eq!(opened.expose(), "canary clinical note");
    tx.commit().await.unwrap();

    let page = c.get("/privacy").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<title>Your privacy · Rapport</title>"));
    assert_eq!(page.body.matches("id=\"erase-h\"").count(), 1);
    assert!(
        page.body
            .contains("lee (therapist) read your notes for your care"),
        "{}",
        page.body
    );
    assert!(page.body.contains("lee (therapist) wrote to your notes"));
    assert!(
        !page.body.contains("canary"),
        "the page names the record, never its content"
    );

    let log = c
        .json(Method::GET, "/api/v1/me/access-log", None)
        .await
        .json();
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["action"], "read");
    assert_eq!(entries[0]["request_id"], "req-42");

    let fhir = c.get("/api/v1/me/access-log/fhir").await;
    assert_eq!(fhir.content_type(), "application/fhir+json");
    let bundle = fhir.json();
    assert_eq!(bundle["entry"].as_array().unwrap().len(), 2);
    assert_eq!(
        bundle["entry"][0]["resource"]["purposeOfEvent"][0]["coding"][0]["code"],
        "TREAT"
    );
    if let Some(result) = rapport_testkit::readers::fhir_validate(&fhir.body, "Bundle") {
        result.unwrap();
    }
    for e in bundle["entry"].as_array().unwrap() {
        if let Some(result) =
            rapport_testkit::readers::fhir_validate(&e["resource"].to_string(), "AuditEvent")
        {
            result.unwrap();
        }
    }

    // Another client's log is their own: nothing of Ana's shows.
    let ben = app.user("ben@example.org", Role::Client).await;
    let mut b = app.session_client(&ben, SessionLevel::Password).await;
    assert_eq!(
        b.json(Method::GET, "/api/v1/me/access-log", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn clients_download_everything_as_json_and_as_a_valid_fhir_bundle() {
    let app = spawn_app().await;
    let ana = app.user("ana@example.org", Role::Client).await;
    let lee = app.user("lee@example.org", Role::Therapist).await;
    rapport_server::privacy::consent::sign(
        &app.state,
        &ana.id,
        "informed-consent",
        "Ana Lee",
        Some(1),
    )
    .await
    .unwrap();
    rapport_server::privacy::consent::sign(
        &app.state,
        &ana.id,
        "messaging-policy",
        "Ana Lee",
        Some(1),
    )
    .await
    .unwrap();
    rapport_server::privacy::consent::withdraw(&app.state, &ana.id, "messaging-policy")
        .await
        .unwrap();
    let care = app.relate(&ana, &lee, Stage::Active).await;
    let at = Locator {
        client: &ana.id,
        care: Some(&care),
        kind: RecordKind::Message,
        table: "messages",
        row_id: "m1",
        field: "body",
    };
    let ctx = app.actor(&lee).await.access(Purpose::Treatment, "req-m");
    let mut tx = app.state.store.begin_write().await.unwrap();
    app.state
        .vault
        .seal(&mut tx, &ctx, &at, "hello")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut c = app.session_client(&ana, SessionLevel::Password).await;
    let json = c.get("/api/v1/me/export").await;
    assert!(json.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("rapport-export.json"));
    let j = json.json();
    assert_eq!(j["account"]["email"], "ana@example.org");
    assert_eq!(j["consents"].as_array().unwrap().len(), 2);
    assert_eq!(j["access_log"].as_array().unwrap().len(), 1);
    assert!(j["signed_in_devices"].as_array().unwrap().len() == 1);
    for secret in ["token_hash", "password_hash", "totp_secret", "argon2"] {
        assert!(
            !json.body.contains(secret),
            "no secrets in the export: {secret}"
        );
    }

    let fhir = c.get("/api/v1/me/export/fhir").await;
    let b = fhir.json();
    let types: Vec<&str> = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(types.iter().filter(|t| **t == "Patient").count(), 1);
    assert_eq!(types.iter().filter(|t| **t == "Consent").count(), 2);
    assert_eq!(types.iter().filter(|t| **t == "AuditEvent").count(), 1);
    let statuses: Vec<&str> = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Consent")
        .map(|e| e["resource"]["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"active") && statuses.contains(&"inactive"));
    if let Some(result) = rapport_testkit::readers::fhir_validate(&fhir.body, "Bundle") {
        result.unwrap();
    }
    for e in b["entry"].as_array().unwrap() {
        let kind = e["resource"]["resourceType"].as_str().unwrap();
        if let Some(result) =
            rapport_testkit::readers::fhir_validate(&e["resource"].to_string(), kind)
        {
            result.unwrap_or_else(|err| panic!("{kind} is not valid FHIR R4: {err}"));
        }
    }
    let page = c.get("/privacy").await;
    assert!(page.body.contains("Download as HL7 FHIR R4"));
}

#[tokio::test]
async fn erasure_removes_personal_data_now_and_destroys_records_after_retention() {
    let app = spawn_app().await;
    let ana = app.user("ana@example.org", Role::Client).await;
    let ben = app.user("ben@example.org", Role::Client).await;
    let lee = app.user("lee@example.org", Role::Therapist).await;
    let ctx = app.actor(&lee).await.access(Purpose::Treatment, "req-n");
    let ana_care = app.relate(&ana, &lee, Stage::Active).await;
    let ben_care = app.relate(&ben, &lee, Stage::Active).await;
    let mut tx = app.state.store.begin_write().await.unwrap();
    let ana_note = app
        .state
        .vault
        .seal(&mut tx, &ctx, &note(&ana, &ana_care), "ana's note")
        .await
        .unwrap();
    let ben_note = app
        .state
        .vault
        .seal(&mut tx, &ctx, &note(&ben, &ben_care), "ben's note")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rapport_server::privacy::consent::sign(
        &app.state,
        &ana.id,
        "informed-consent",
        "Ana Lee",
        None,
    )
    .await
    .unwrap();

    // Where she said she lives (for matching), and a mail still waiting to be sent.
    app.state
        .store
        .raw_execute(
            "UPDATE users SET location_country = 'US', location_region = 'TX' WHERE id = $1",
            &[ana.id.as_str().into()],
        )
        .await
        .unwrap();
    rapport_server::platform::mail::queue(
        &app.state,
        "ana@example.org",
        "Waiting",
        "Not sent yet.".into(),
    )
    .await
    .unwrap();

    let mut c = app.session_client(&ana, SessionLevel::Password).await;
    let mut other_device = app.session_client(&ana, SessionLevel::Password).await;
    let plan = c.json(Method::GET, "/api/v1/me/erasure", None).await.json();
    assert!(plan["goes_now"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g.as_str().unwrap().contains("e-mail")));
    assert!(plan["stays"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s.as_str().unwrap().contains("clinical records")));
    let until = plan["stays_until"].as_i64().unwrap();
    let seven_years = 7 * 365 * 24 * 3600 * 1000_i64;
    assert!((until - rapport_store::now_ms() - seven_years).abs() < 60_000);
    let page = c.get("/privacy").await;
    assert!(
        page.body.contains("This stays until") && page.body.contains("The law requires therapists")
    );

    let unconfirmed = c
        .post_form("/privacy/erase", &[("current_password", STRONG)])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = c
        .post_form(
            "/privacy/erase",
            &[("current_password", "not my password"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = c
        .post_form(
            "/privacy/erase",
            &[("current_password", STRONG), ("confirm", "yes")],
        )
        .await;
    assert_eq!(done.location(), Some("/?notice=erased"));

    // Personal data is gone at once; sessions end; the address can sign up again.
    assert_eq!(
        other_device.get("/account").await.location(),
        Some("/login")
    );
    let erased = app.state.store.user(&ana.id).await.unwrap().unwrap();
    assert!(
        erased.erased_at.is_some()
            && !erased.email.contains("ana@")
            && erased.display_name == "Erased account"
    );
    let left = app
        .state
        .store
        .raw_i64(
            "SELECT (SELECT COUNT(*) FROM outbox WHERE LOWER(to_addr) LIKE 'ana@%') \
             + (SELECT COUNT(*) FROM consent_signatures WHERE client_id = $1 \
                AND (typed_name_sealed IS NOT NULL OR typed_name <> '')) \
             + (SELECT COUNT(*) FROM users WHERE id = $1 \
                AND (location_country IS NOT NULL OR location_region IS NOT NULL))",
            &[ana.id.as_str().into()],
        )
        .await
        .unwrap();
    assert_eq!(
        left, 0,
        "no mail to her address, no typed consent name, no location is left"
    );
    assert_eq!(
        app.state
            .store
            .latest_signatures(&ana.id)
            .await
            .unwrap()
            .len(),
        1,
        "the record that she consented stays for the retention period"
    );
    let mut login = app.client();
    let res = login
        .post_form(
            "/login",
            &[("email", "ana@example.org"), ("password", STRONG)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    // The clinical record stays, sealed, during retention.
    let mut tx = app.state.store.begin_write().await.unwrap();
    assert!(app
        .state
        .vault
        .open(&mut tx, &ctx, &note(&ana, &ana_care), &ana_note)
        .await
        .is_ok());
    tx.rollback().await.unwrap();

    // When retention ends, the key is destroyed: the record can never be opened again,
    // even by this server with its key-encryption key; other clients are untouched.
    app.state
        .store
        .raw_execute("UPDATE erasure_requests SET destroy_after = 0", &[])
        .await
        .unwrap();
    assert_eq!(
        rapport_server::privacy::erasure::run_due(&app.state)
            .await
            .unwrap(),
        1
    );
    let mut tx = app.state.store.begin_write().await.unwrap();
    let gone = app
        .state
        .vault
        .open(&mut tx, &ctx, &note(&ana, &ana_care), &ana_note)
        .await;
    assert!(matches!(gone, Err(rapport_vault::VaultError::KeyDestroyed)));
    let kept = app
        .state
        .vault
        .open(&mut tx, &ctx, &note(&ben, &ben_care), &ben_note)
        .await
        .unwrap();
    assert_eq!(kept.expose(), "ben's note");
    tx.rollback().await.unwrap();
    assert!(app
        .state
        .store
        .latest_signatures(&ana.id)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        rapport_server::privacy::erasure::run_due(&app.state)
            .await
            .unwrap(),
        0,
        "done once"
    );
}

/// A note of `client`'s care in relationship `care`.
fn note<'a>(client: &'a rapport_store::users::User, care: &'a str) -> Locator<'a> {
    Locator {
        client: &client.id,
        care: Some(care),
        kind: RecordKind::Note,
        table: "notes",
        row_id: "n1",
        field: "body",
    }
}

/// The fields of every object in the JSON export, by where it sits. The export is the
/// client's record of their data: its shape changes only on purpose, with a new `format`.
const EXPORT_SHAPE: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "access_log",
            "account",
            "api_tokens",
            "appointments",
            "consents",
            "emergency_access",
            "exported_at",
            "format",
            "security_events",
            "signed_in_devices",
        ],
    ),
    (
        "account",
        &[
            "created_at",
            "display_name",
            "email",
            "email_verified",
            "id",
            "mfa_enabled",
            "pronouns",
            "role",
            "time_zone",
        ],
    ),
    (
        "signed_in_devices[]",
        &[
            "created_at",
            "expires_at",
            "id",
            "last_seen_at",
            "level",
            "user_agent",
        ],
    ),
    (
        "api_tokens[]",
        &["created_at", "expires_at", "id", "last_used_at", "name"],
    ),
    (
        "security_events[]",
        &["at", "id", "ip", "kind", "request_id"],
    ),
    (
        "consents[]",
        &[
            "document",
            "id",
            "signed_at",
            "text_sha256",
            "typed_name",
            "version",
            "withdrawn_at",
        ],
    ),
    (
        "access_log[]",
        &[
            "action",
            "at",
            "emergency",
            "purpose",
            "record_kind",
            "request_id",
            "role",
            "sentence",
            "seq",
            "who",
        ],
    ),
    ("appointments[]", &["appointment", "history"]),
    (
        "appointments[].appointment",
        &[
            "cancelled_by",
            "cancelled_late",
            "client_id",
            "client_name",
            "ends_at",
            "id",
            "label",
            "no_show_client",
            "no_show_therapist",
            "policy",
            "series_id",
            "session_type",
            "starts_at",
            "status",
            "therapist_id",
            "therapist_name",
        ],
    ),
    (
        "appointments[].history[]",
        &[
            "at",
            "kind",
            "late",
            "party",
            "previous_starts_at",
            "seq",
            "starts_at",
        ],
    ),
    (
        "emergency_access[]",
        &[
            "administrator",
            "ended_early",
            "granted_at",
            "id",
            "reason",
            "until",
        ],
    ),
];

fn keys_at<'a>(v: &'a serde_json::Value, path: &str) -> Vec<&'a serde_json::Value> {
    let mut here = vec![v];
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, many) = match part.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (part, false),
        };
        here = here
            .into_iter()
            .flat_map(|x| {
                let x = &x[name];
                if many {
                    x.as_array().map(|a| a.iter().collect()).unwrap_or_default()
                } else {
                    vec![x]
                }
            })
            .collect();
    }
    here
}

#[tokio::test]
async fn the_json_export_has_its_own_stable_shape() {
    let app = spawn_app().await;
    let (lee, kind) = bookable_therapist(&app, "lee@example.org", 0).await;
    let ana = ready_client(&app, "ana@example.org").await;
    appointment_at(
        &app,
        &lee,
        &ana,
        &kind,
        rapport_store::now_ms() + 86_400_000,
    )
    .await;
    let care = app
        .state
        .store
        .care_between(&ana.id, &lee.id)
        .await
        .unwrap()
        .unwrap();
    let ctx = app.actor(&lee).await.access(Purpose::Treatment, "req-x");
    let mut tx = app.state.store.begin_write().await.unwrap();
    let at = Locator {
        client: &ana.id,
        care: Some(&care.id),
        kind: RecordKind::Note,
        table: "notes",
        row_id: "n1",
        field: "body",
    };
    app.state.vault.seal(&mut tx, &ctx, &at, "x").await.unwrap();
    tx.commit().await.unwrap();
    let mut c = app.session_client(&ana, SessionLevel::Password).await;
    c.json(
        Method::POST,
        "/api/v1/me/tokens",
        Some(serde_json::json!({"name": "laptop"})),
    )
    .await;
    // A break-glass grant, which the export must carry with its reason.
    let root = app.user("root@example.org", Role::Admin).await;
    let root = app.actor(&root).await;
    let meta = rapport_server::platform::meta::RequestMeta {
        ip: "127.0.0.1".into(),
        user_agent: None,
        request_id: "req-g".into(),
    };
    let reason = "The client's therapist reported an imminent risk to life.";
    rapport_server::privacy::emergency::grant(
        &app.state,
        &root,
        "ana@example.org",
        reason,
        10,
        &meta,
    )
    .await
    .unwrap();
    let j = c.get("/api/v1/me/export").await.json();
    assert_eq!(j["format"], "rapport-export/2");
    assert_eq!(j["emergency_access"][0]["reason"], reason);
    let fhir = c.get("/api/v1/me/export/fhir").await.body;
    assert!(
        fhir.contains(reason) && fhir.contains("\"BTG\""),
        "the FHIR export carries the grant as a break-the-glass AuditEvent"
    );
    for (path, want) in EXPORT_SHAPE {
        let objects = keys_at(&j, path);
        assert!(!objects.is_empty(), "the export has no {path:?} to check");
        for o in objects {
            let mut got: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
            got.sort_unstable();
            assert_eq!(&got, want, "fields of {path:?}");
        }
    }
}
