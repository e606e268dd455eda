//! The directory end to end: a therapist submits a license, an admin verifies it, and the
//! therapist appears for clients where that license is valid and nowhere else.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rapport_core::Role;
use rapport_store::directory::ProfileInput;
use rapport_store::sessions::SessionLevel;
use serde_json::json;

#[tokio::test]
async fn a_verified_license_lists_a_therapist_where_it_is_valid_only() {
    let app = spawn_app().await;
    let lee = app.user("lee@example.org", Role::Therapist).await;
    app.enable_totp(&lee).await;
    let root = app.user("root@example.org", Role::Admin).await;
    app.enable_totp(&root).await;
    let ana = app.user("ana@example.org", Role::Client).await;
    let ben = app.user("ben@example.org", Role::Client).await;
    let profile = ProfileInput {
        short_intro: "Warm, practical help with anxiety.".into(),
        long_intro: "I have worked with adults for ten years.\n\nSessions are collaborative."
            .into(),
        first_session: "We talk about what brings you here.".into(),
        specialties: vec!["anxiety".into()],
        modalities: vec!["cbt".into()],
        languages: vec!["en".into(), "es".into()],
        formats: vec!["video".into()],
        fee_cents: 12000,
        sliding_scale: true,
        office_hours: "Mon–Thu 9:00–17:00".into(),
        reply_within_hours: 24,
        ..Default::default()
    };
    app.state
        .store
        .save_profile(&lee.id, "lee", &profile)
        .await
        .unwrap();

    let mut t = app.session_client(&lee, SessionLevel::Mfa).await;
    let bad = t
        .post_form(
            "/therapist/licenses",
            &[
                ("license_type", "lpc"),
                ("number", "12345"),
                ("country", "US"),
                ("region", "Atlantis"),
                ("issued_on", "2020-05-01"),
                ("expires_on", "2019-01-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("expiry date must be after"),
        "{}",
        bad.body
    );
    let ok = t
        .post_form(
            "/therapist/licenses",
            &[
                ("license_type", "lpc"),
                ("number", "12345"),
                ("country", "US"),
                ("region", "TX"),
                ("issued_on", "2020-05-01"),
                ("expires_on", "2030-06-30"),
            ],
        )
        .await;
    assert_eq!(
        ok.location(),
        Some("/therapist/licenses?notice=submitted"),
        "{}",
        ok.body
    );
    assert!(t
        .get("/therapist/licenses")
        .await
        .body
        .contains("Waiting for verification"));

    // Not listed while pending, and the profile is not public.
    let mut anon = app.client();
    assert!(anon
        .get("/therapists?country=US&region=TX")
        .await
        .body
        .contains("0 therapists"));
    assert_eq!(
        anon.get(&format!("/therapists/{}", lee.id)).await.status,
        StatusCode::NOT_FOUND
    );

    let mut admin = app.session_client(&root, SessionLevel::Mfa).await;
    let queue = admin.get("/admin/licenses").await;
    assert!(queue
        .body
        .contains("Licensed Professional Counselor, Texas #12345"));
    let license = app.state.store.pending_licenses().await.unwrap().remove(0);
    let no_reason = admin
        .post_form(
            &format!("/admin/licenses/{}/decision", license.id),
            &[("decision", "reject"), ("reason", "")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let verified = admin
        .post_form(
            &format!("/admin/licenses/{}/decision", license.id),
            &[
                ("decision", "verify"),
                ("method", "registry_lookup"),
                ("note", "TX board site"),
            ],
        )
        .await;
    assert_eq!(verified.location(), Some("/admin/licenses?notice=verified"));

    // Listed in Texas, not in Ohio.
    let texas = anon.get("/therapists?country=US&region=TX").await;
    assert!(
        texas.body.contains("1 therapist<") && texas.body.contains("Warm, practical help"),
        "{}",
        texas.body
    );
    assert!(anon
        .get("/therapists?country=US&region=OH")
        .await
        .body
        .contains("0 therapists"));
    let api = anon.get("/api/v1/therapists?country=US&region=TX&specialty=anxiety&language=es&fee_max=150&sliding_scale=1").await.json();
    assert_eq!(api["total"], 1);
    assert_eq!(api["results"][0]["display_name"], "lee");
    let public = anon.get(&format!("/therapists/{}", lee.id)).await;
    let today = chrono::Utc::now()
        .date_naive()
        .format("%-d %b %Y")
        .to_string();
    assert!(public.body.contains(&format!("Licensed Professional Counselor, Texas #12345 — verified {today} by registry lookup — valid until 30 Jun 2030")), "{}", public.body);

    // Licensure follows the client: a client in Ohio does not see Lee, and is told why.
    let mut in_ohio = app.session_client(&ana, SessionLevel::Password).await;
    assert_eq!(
        in_ohio
            .json(
                Method::PUT,
                "/api/v1/me/location",
                Some(json!({"country": "US", "region": "OH"}))
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        in_ohio
            .json(Method::GET, "/api/v1/therapists", None)
            .await
            .json()["total"],
        0
    );
    assert!(in_ohio
        .get(&format!("/therapists/{}", lee.id))
        .await
        .body
        .contains("Not licensed in Ohio"));
    let mut in_texas = app.session_client(&ben, SessionLevel::Password).await;
    in_texas
        .json(
            Method::PUT,
            "/api/v1/me/location",
            Some(json!({"country": "US", "region": "TX"})),
        )
        .await;
    assert_eq!(
        in_texas
            .json(Method::GET, "/api/v1/therapists", None)
            .await
            .json()["total"],
        1
    );
    assert!(in_texas
        .get(&format!("/therapists/{}", lee.id))
        .await
        .body
        .contains("Licensed where you will be: Texas"));

    let history: Vec<String> = app
        .state
        .store
        .license_history(&license.id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.status)
        .collect();
    assert_eq!(history, ["pending", "verified"]);
}

#[tokio::test]
async fn search_parameters_are_checked() {
    let app = spawn_app().await;
    let mut c = app.client();
    for (query, field) in [
        ("specialty=astrology", "specialty"),
        ("country=XX", "country"),
        ("fee_max=cheap", "fee_max"),
        ("language=klingon", "language"),
        ("page=0", "page"),
    ] {
        let res = c.get(&format!("/api/v1/therapists?{query}")).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            res.body
        );
        assert!(
            res.json()["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{query}: {}",
            res.body
        );
    }
    let unknown = c.get("/api/v1/therapists?colour=blue").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let page = c.get("/therapists?specialty=astrology").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Choose"),
        "the page explains the bad filter"
    );
}

#[tokio::test]
async fn therapists_edit_their_profile_as_plain_text() {
    let app = spawn_app().await;
    let lee = app.user("lee@example.org", Role::Therapist).await;
    app.enable_totp(&lee).await;
    let root = app.user("root@example.org", Role::Admin).await;
    let mut t = app.session_client(&lee, SessionLevel::Mfa).await;
    assert!(t
        .get("/therapist/profile")
        .await
        .body
        .contains("What you help with"));
    let bad = t
        .post_form(
            "/therapist/profile",
            &[
                ("short_intro", ""),
                ("long_intro", "x"),
                ("fee", "lots"),
                ("reply_within_hours", "24"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("clients read it")
            && bad.body.contains("whole number")
            && bad.body.contains("at least one thing")
    );
    let ok = t
        .post_form(
            "/therapist/profile",
            &[
                (
                    "short_intro",
                    "I help with <script>alert(1)</script> anxiety.",
                ),
                ("long_intro", "Ten years of practice."),
                ("specialties", "anxiety"),
                ("specialties", "grief"),
                ("modalities", "cbt"),
                ("languages", "es"),
                ("formats", "video"),
                ("fee", "95"),
                ("sliding_scale", "true"),
                ("insurance", "Aetna, Cigna"),
                ("office_hours", "Mon–Fri 9–5"),
                ("reply_within_hours", "12"),
            ],
        )
        .await;
    assert_eq!(
        ok.location(),
        Some("/therapist/profile?notice=saved"),
        "{}",
        ok.body
    );
    let p = app.state.store.profile(&lee.id).await.unwrap().unwrap();
    assert_eq!(
        (p.specialties.clone(), p.fee_cents, p.insurance.clone()),
        (
            vec!["anxiety".to_string(), "grief".into()],
            9500,
            vec!["Aetna".to_string(), "Cigna".into()]
        )
    );

    let api = t.json(Method::PUT, "/api/v1/me/profile", Some(json!({"short_intro": "Hi", "long_intro": "More", "specialties": ["astrology"], "fee": 90, "reply_within_hours": 24}))).await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.json()["errors"][0]["field"], "specialties");

    // Free text is shown escaped on the public profile.
    let l = app
        .state
        .store
        .add_license(
            &lee.id,
            rapport_store::directory::NewLicense {
                license_type: "lpc",
                number: "1",
                country: "US",
                region: Some("TX"),
                issued_on: "2020-01-01",
                expires_on: "2030-01-01",
            },
        )
        .await
        .unwrap();
    app.state
        .store
        .decide_license(&l.id, &root.id, true, "document", None)
        .await
        .unwrap();
    let public = app.client().get(&format!("/therapists/{}", lee.id)).await;
    assert!(
        public.body.contains("&#60;script&#62;alert(1)"),
        "escaped, so shown as text"
    );
    assert!(!public.body.contains("<script>alert(1)"));
    assert!(public.body.contains("Spanish") && public.body.contains("sliding scale available"));
}

#[tokio::test]
async fn therapists_are_reminded_60_and_14_days_before_a_license_expires() {
    let app = spawn_app().await;
    let lee = app.user("lee@example.org", Role::Therapist).await;
    let root = app.user("root@example.org", Role::Admin).await;
    let l = app
        .state
        .store
        .add_license(
            &lee.id,
            rapport_store::directory::NewLicense {
                license_type: "lcsw",
                number: "77",
                country: "US",
                region: Some("NY"),
                issued_on: "2020-01-01",
                expires_on: "2027-03-01",
            },
        )
        .await
        .unwrap();
    app.state
        .store
        .decide_license(&l.id, &root.id, true, "registry_lookup", None)
        .await
        .unwrap();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let send = |d: &'static str| {
        let state = app.state.clone();
        async move {
            rapport_server::directory::credentials::send_expiry_reminders(&state, day(d))
                .await
                .unwrap()
        }
    };
    assert_eq!(send("2026-12-30").await, 0, "61 days before: nothing yet");
    assert_eq!(send("2026-12-31").await, 1, "60 days before");
    assert_eq!(send("2027-01-01").await, 0, "once");
    assert_eq!(send("2027-02-14").await, 0, "15 days before");
    assert_eq!(
        send("2027-02-16").await,
        1,
        "14 days before (or the first run after)"
    );
    assert_eq!(send("2027-02-20").await, 0);
    assert_eq!(
        send("2027-03-01").await,
        0,
        "expired: no longer counts, no reminder"
    );
    let mails = app.mails_to("lee@example.org").await;
    assert_eq!(mails.len(), 2);
    assert!(mails[0].contains("Licensed Clinical Social Worker #77 expires on 2027-03-01 (60 days"));
    assert!(mails[1].contains("(13 days from today)"));
}

fn multipart(field: &str, filename: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "rapport-test-boundary-7f3";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A 900x600 PNG carrying a text chunk, as cameras and phones leave location details.
fn png_with_metadata(secret: &str) -> Vec<u8> {
    let img = image::RgbImage::from_fn(900, 600, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    let png = out.into_inner();
    let iend = png.len() - 12;
    let mut chunk_data = b"tEXt".to_vec();
    chunk_data.extend_from_slice(b"Comment\0");
    chunk_data.extend_from_slice(secret.as_bytes());
    let mut chunk = ((chunk_data.len() - 4) as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(&chunk_data);
    chunk.extend_from_slice(&crc32(&chunk_data).to_be_bytes());
    [&png[..iend], &chunk, &png[iend..]].concat()
}

#[tokio::test]
async fn photos_are_reencoded_and_evidence_is_sealed_for_the_therapist_and_admins() {
    let app = spawn_app().await;
    let lee = app.user("lee@example.org", Role::Therapist).await;
    app.enable_totp(&lee).await;
    let other = app.user("other@example.org", Role::Therapist).await;
    app.enable_totp(&other).await;
    let root = app.user("root@example.org", Role::Admin).await;
    app.enable_totp(&root).await;
    let mut t = app.session_client(&lee, SessionLevel::Mfa).await;
    let csrf = t.csrf().unwrap();

    // A photo: re-encoded (metadata gone), scaled to fit 512 px.
    let original = png_with_metadata("GPS-canary-51.5N");
    assert!(original.windows(16).any(|w| w == b"GPS-canary-51.5N"));
    let (ct, body) = multipart("photo", "me.png", "image/png", &original);
    let forged = t
        .send(
            axum::http::Request::post("/therapist/photo")
                .header("content-type", &ct)
                .body(axum::body::Body::from(body.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "an upload without the CSRF token is refused"
    );
    let res = t
        .raw(
            Method::POST,
            &format!("/therapist/photo?csrf={csrf}"),
            &ct,
            body,
        )
        .await;
    assert_eq!(
        res.location(),
        Some("/therapist/profile?notice=saved"),
        "{}",
        res.body
    );
    let stored = app.state.store.photo(&lee.id).await.unwrap().unwrap();
    assert!(
        !stored.windows(16).any(|w| w == b"GPS-canary-51.5N"),
        "metadata stripped"
    );
    let decoded = image::load_from_memory(&stored).unwrap();
    assert!(decoded.width() <= 512 && decoded.height() <= 512);
    let (ct, body) = multipart("photo", "notes.txt", "text/plain", b"not an image at all");
    let bad = t
        .raw(
            Method::POST,
            &format!("/therapist/photo?csrf={csrf}"),
            &ct,
            body,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Evidence: sealed at rest, readable by the therapist and admins only.
    let license = app
        .state
        .store
        .add_license(
            &lee.id,
            rapport_store::directory::NewLicense {
                license_type: "lpc",
                number: "9",
                country: "US",
                region: Some("TX"),
                issued_on: "2020-01-01",
                expires_on: "2030-01-01",
            },
        )
        .await
        .unwrap();
    let pdf = b"%PDF-1.4\n% canary-evidence-8812\n%%EOF\n".to_vec();
    let (ct, body) = multipart("evidence", "license.pdf", "application/pdf", &pdf);
    let res = t
        .raw(
            Method::POST,
            &format!("/therapist/licenses/{}/evidence?csrf={csrf}", license.id),
            &ct,
            body,
        )
        .await;
    assert_eq!(
        res.location(),
        Some("/therapist/licenses?notice=evidence"),
        "{}",
        res.body
    );
    let (_, sealed) = app
        .state
        .store
        .evidence(&license.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains("canary-evidence"));
    let mine = t
        .get(&format!("/therapist/licenses/{}/evidence", license.id))
        .await;
    assert_eq!(
        (mine.status, mine.content_type()),
        (StatusCode::OK, "application/pdf")
    );
    assert!(mine.body.contains("canary-evidence-8812"));
    let mut o = app.session_client(&other, SessionLevel::Mfa).await;
    assert_eq!(
        o.get(&format!("/therapist/licenses/{}/evidence", license.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let (ct, body) = multipart("evidence", "x.pdf", "application/pdf", &pdf);
    let ocsrf = o.csrf().unwrap();
    assert_eq!(
        o.raw(
            Method::POST,
            &format!("/therapist/licenses/{}/evidence?csrf={ocsrf}", license.id),
            &ct,
            body
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let mut admin = app.session_client(&root, SessionLevel::Mfa).await;
    assert!(admin
        .get("/admin/licenses")
        .await
        .body
        .contains("Open the evidence"));
    let theirs = admin
        .get(&format!("/admin/licenses/{}/evidence", license.id))
        .await;
    assert!(theirs.body.contains("canary-evidence-8812"));
    let events = rapport_vault::chain::events_for_client(&app.state.store, lee.id.as_str(), 10)
        .await
        .unwrap();
    assert_eq!(
        events.len(),
        1,
        "the admin's read is logged; the therapist's own are not"
    );
    assert_eq!(
        (
            events[0].actor_role.as_str(),
            events[0].record_kind.as_str()
        ),
        ("admin", "license_evidence")
    );
}

/// A small PNG whose header says it is `w`×`h` pixels (a decompression bomb's header).
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(4, 4, image::Rgb([1, 2, 3]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    let mut png = out.into_inner();
    // IHDR starts after the 8-byte signature: length (4), "IHDR" (4), width, height, …
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enormous_photo_is_refused_before_it_is_decoded() {
    let app = spawn_app().await;
    let lee = app.user("lee@example.org", Role::Therapist).await;
    app.enable_totp(&lee).await;
    let mut t = app.session_client(&lee, SessionLevel::Mfa).await;
    let csrf = t.csrf().unwrap();
    let (ct, body) = multipart("photo", "bomb.png", "image/png", &png_claiming(8000, 8000));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (mut t, ct, body, csrf) = (t.clone(), ct.clone(), body.clone(), csrf.clone());
        tasks.push(tokio::spawn(async move {
            let start = std::time::Instant::now();
            let res = t
                .raw(
                    Method::POST,
                    &format!("/therapist/photo?csrf={csrf}"),
                    &ct,
                    body,
                )
                .await;
            (res.status, res.body, start.elapsed())
        }));
    }
    let mut c = app.client();
    let start = std::time::Instant::now();
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
    assert!(start.elapsed() < std::time::Duration::from_millis(500));
    for task in tasks {
        let (status, body, took) = task.await.unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("24 megapixels"), "{body}");
        assert!(
            took < std::time::Duration::from_secs(2),
            "refused at once: {took:?}"
        );
    }
    assert!(app.state.store.photo(&lee.id).await.unwrap().is_none());
    let _ = t.get("/therapist/profile").await;
}
