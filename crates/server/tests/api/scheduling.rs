//! Scheduling through the app: booking that never double-books (100 concurrent requests
//! on each backend), weekly series, the cancellation policy for both sides, calendar feeds
//! read back by a real iCalendar parser, reminders received over real SMTP at the right
//! moments of a controlled clock, presence, settling, and reliability from events.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rapport_core::schedule::zone;
use rapport_core::time::{from_millis, to_millis};
use rapport_core::Role;
use rapport_server::scheduling::{self, service::JUST_TAKEN};
use rapport_server::{AppState, Config};
use rapport_store::sessions::SessionLevel;
use rapport_testkit::readers::ical_read;
use rapport_testkit::SmtpSink;
use serde_json::json;

/// The first slot the availability API offers within a week of `from` (of now if none).
async fn first_slot_from(
    c: &mut Client,
    therapist: &str,
    kind: &str,
    from: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let from = from
        .map(|t| format!("&from={}", t.format("%Y-%m-%dT%H:%M:%SZ")))
        .unwrap_or_default();
    let res = c
        .get(&format!(
            "/api/v1/therapists/{therapist}/availability?session_type={kind}&days=7{from}"
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["slots"][0]["starts_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// The first slot offered from now, as the API writes it.
async fn first_slot(c: &mut Client, therapist: &str, kind: &str) -> String {
    first_slot_from(c, therapist, kind, None)
        .await
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The calendar link shown (once) on the sessions page.
fn feed_link(html: &str) -> Option<String> {
    let start = html.find(&format!("{BASE}/calendar/"))?;
    let rest = &html[start..];
    Some(rest[..rest.find('"')?].to_string())
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.state.store.raw_i64(sql, &[]).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_bookings_of_one_slot_give_it_to_exactly_one() {
    let app = spawn_app().await;
    let (therapist, kind) = bookable_therapist(&app, "busy.therapist@example.org", 2).await;
    let mut clients = Vec::new();
    for i in 0..100 {
        let u = ready_client(&app, &format!("client{i}@example.org")).await;
        clients.push(app.session_client(&u, SessionLevel::Password).await);
    }
    let slot = first_slot(&mut clients[0], therapist.id.as_str(), &kind).await;
    let body =
        json!({"therapist_id": therapist.id.as_str(), "session_type": kind, "starts_at": slot});
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients.len()));
    let mut tasks = Vec::new();
    for mut c in clients {
        let body = body.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            c.json(Method::POST, "/api/v1/appointments", Some(body))
                .await
        }));
    }
    let mut won = 0;
    for t in tasks {
        let res = t.await.unwrap();
        match res.status {
            StatusCode::CREATED => won += 1,
            StatusCode::CONFLICT => {
                assert_eq!(res.content_type(), "application/problem+json");
                assert_eq!(res.json()["detail"], JUST_TAKEN, "{}", res.body);
            }
            other => panic!("unexpected {other}: {}", res.body),
        }
    }
    assert_eq!(won, 1, "exactly one booking wins");
    // Nothing half-written: one appointment, one history entry.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM appointments").await, 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM appointment_events").await,
        1
    );
    // And the slot is no longer offered.
    let mut anyone = app.client();
    assert_ne!(
        first_slot(&mut anyone, therapist.id.as_str(), &kind).await,
        slot
    );
}

#[tokio::test]
async fn slots_are_labelled_in_the_viewers_zone_and_booking_checks_consent_and_licensure() {
    let app = spawn_app().await;
    let (therapist, kind) = bookable_therapist(&app, "t@example.org", 2).await;
    // A client in Berlin sees Chicago's 08:00 as 15:00 (or 14:00 around DST changes).
    let berlin = ready_client(&app, "berlin@example.org").await;
    app.state
        .store
        .update_profile(
            &berlin.id,
            &rapport_core::DisplayName::parse("Berlin").unwrap(),
            &rapport_core::Pronouns::parse(None).unwrap(),
            &rapport_core::TimeZoneName::parse("Europe/Berlin").unwrap(),
        )
        .await
        .unwrap();
    let mut c = app.session_client(&berlin, SessionLevel::Password).await;
    let res = c
        .get(&format!(
            "/api/v1/therapists/{}/availability?session_type={kind}&days=7",
            therapist.id.as_str()
        ))
        .await;
    let body = res.json();
    assert_eq!(body["shown_in_time_zone"], "Europe/Berlin");
    assert_eq!(body["therapist_time_zone"], "America/Chicago");
    assert!(body["policy"].as_str().unwrap().contains("24 hours before"));
    for s in body["slots"].as_array().unwrap() {
        let start: DateTime<Utc> = s["starts_at"].as_str().unwrap().parse().unwrap();
        let tz: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(s["label"].as_str().unwrap(), zone::label(start, tz));
        assert!(
            s["label"].as_str().unwrap().ends_with("CET")
                || s["label"].as_str().unwrap().ends_with("CEST")
        );
        let chicago = start.with_timezone(&chrono_tz::America::Chicago);
        let minute = chrono::Timelike::hour(&chicago) * 60 + chrono::Timelike::minute(&chicago);
        assert!(
            (8 * 60..20 * 60).contains(&minute),
            "inside the therapist's hours: {chicago}"
        );
    }

    // Without the consents, booking is refused and says which to sign.
    let unsigned = app.user("unsigned@example.org", Role::Client).await;
    app.state
        .store
        .set_location(&unsigned.id, "US", Some("TX"))
        .await
        .unwrap();
    let mut u = app.session_client(&unsigned, SessionLevel::Password).await;
    let slot = first_slot(&mut u, therapist.id.as_str(), &kind).await;
    let book = |starts: &str| json!({"therapist_id": therapist.id.as_str(), "session_type": kind, "starts_at": starts});
    let res = u
        .json(Method::POST, "/api/v1/appointments", Some(book(&slot)))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(
        res.json()["detail"].as_str().unwrap().contains("sign"),
        "{}",
        res.body
    );

    // A client in California cannot book a therapist licensed only in Texas.
    let west = ready_client(&app, "west@example.org").await;
    app.state
        .store
        .set_location(&west.id, "US", Some("CA"))
        .await
        .unwrap();
    let mut w = app.session_client(&west, SessionLevel::Password).await;
    let res = w
        .json(Method::POST, "/api/v1/appointments", Some(book(&slot)))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(
        res.json()["detail"]
            .as_str()
            .unwrap()
            .contains("not licensed in California"),
        "{}",
        res.body
    );

    // A time that is never offered (off the hour grid) is refused as unavailable.
    let odd = (slot.parse::<DateTime<Utc>>().unwrap() + Duration::minutes(7)).to_rfc3339();
    let res = c
        .json(Method::POST, "/api/v1/appointments", Some(book(&odd)))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.json()["detail"]
        .as_str()
        .unwrap()
        .contains("not available"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM appointments").await,
        0,
        "refusals write nothing"
    );

    // A therapist whose license is not verified cannot be booked at all.
    let pending = app.user("pending@example.org", Role::Therapist).await;
    let res = c
        .json(Method::POST, "/api/v1/appointments", Some(json!({"therapist_id": pending.id.as_str(), "session_type": kind, "starts_at": slot})))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // The booking page offers the same slots, grouped by the client's days.
    let page = c
        .get(&format!("/therapists/{}/book", therapist.id.as_str()))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!(
        "value=\"{}\"",
        body["slots"][0]["starts_at"].as_str().unwrap()
    )));
    assert!(page.body.contains("Europe/Berlin"));
}

#[tokio::test]
async fn a_weekly_series_is_booked_whole_or_not_at_all() {
    let app = spawn_app().await;
    let (therapist, kind) = bookable_therapist(&app, "t@example.org", 2).await;
    let ana = ready_client(&app, "ana@example.org").await;
    let ben = ready_client(&app, "ben@example.org").await;
    let mut a = app.session_client(&ana, SessionLevel::Password).await;
    let mut b = app.session_client(&ben, SessionLevel::Password).await;
    // A slot at least a week out, so that a series starting a week earlier is possible.
    let slot = first_slot_from(
        &mut a,
        therapist.id.as_str(),
        &kind,
        Some(Utc::now() + Duration::days(8)),
    )
    .await;
    let res = a
        .json(Method::POST, "/api/v1/appointments", Some(json!({
            "therapist_id": therapist.id.as_str(), "session_type": kind, "starts_at": slot.to_rfc3339(), "weeks": 4
        })))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let ids: Vec<String> = serde_json::from_value(res.json()["appointment_ids"].clone()).unwrap();
    assert_eq!(ids.len(), 4);
    let chicago = chrono_tz::America::Chicago;
    let mut series = None;
    for (k, id) in ids.iter().enumerate() {
        let a = app.state.store.appointment(id).await.unwrap().unwrap();
        assert!(a.series_id.is_some());
        assert!(series.is_none() || series == a.series_id);
        series = a.series_id.clone();
        // Same wall-clock time for the therapist every week.
        let local = from_millis(a.starts_at).with_timezone(&chicago);
        let first = slot.with_timezone(&chicago);
        assert_eq!(local.time(), first.time());
        assert_eq!(
            (local.date_naive() - first.date_naive()).num_days(),
            7 * k as i64
        );
    }
    // Ben's series a week earlier collides in its second week: nothing is booked.
    let earlier = zone::earliest(
        chicago,
        (slot.with_timezone(&chicago) - Duration::days(7)).naive_local(),
    );
    let res = b
        .json(Method::POST, "/api/v1/appointments", Some(json!({
            "therapist_id": therapist.id.as_str(), "session_type": kind, "starts_at": earlier.to_rfc3339(), "weeks": 3
        })))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let detail = res.json()["detail"].as_str().unwrap().to_string();
    assert!(
        detail.starts_with("Week 2 (") && detail.contains(JUST_TAKEN),
        "{detail}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM appointments").await, 4);
    let res = b
        .json(Method::POST, "/api/v1/appointments", Some(json!({
            "therapist_id": therapist.id.as_str(), "session_type": kind, "starts_at": earlier.to_rfc3339(), "weeks": 13
        })))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_policy_decides_what_is_late_for_either_side() {
    let app = spawn_app().await;
    let (therapist, kind) = bookable_therapist(&app, "t@example.org", 0).await;
    app.enable_totp(&therapist).await;
    let client = ready_client(&app, "c@example.org").await;
    let mut c = app.session_client(&client, SessionLevel::Password).await;
    let mut t = app.session_client(&therapist, SessionLevel::Mfa).await;

    // Three days out: the client may move it (to another offered time) and cancel freely.
    let soon = to_millis(Utc::now() + Duration::days(3));
    let far = appointment_at(&app, &therapist, &client, &kind, soon - soon % 3_600_000).await;
    let to = first_slot_from(
        &mut c,
        therapist.id.as_str(),
        &kind,
        Some(Utc::now() + Duration::days(5)),
    )
    .await
    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let res = c
        .json(
            Method::POST,
            &format!("/api/v1/appointments/{far}/reschedule"),
            Some(json!({"starts_at": to})),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let detail = c.get(&format!("/api/v1/appointments/{far}")).await.json();
    let history = detail["history"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["kind"], "rescheduled");
    assert_eq!(history.last().unwrap()["party"], "client");
    assert!(history.last().unwrap()["previous_starts_at"].is_i64());
    let res = c
        .json(
            Method::POST,
            &format!("/api/v1/appointments/{far}/cancel"),
            None,
        )
        .await;
    assert_eq!(res.json()["late"], false);

    // Two hours out: moving is no longer offered, and cancelling is late — for the
    // therapist too, and it counts against them.
    let close = appointment_at(
        &app,
        &therapist,
        &client,
        &kind,
        to_millis(Utc::now() + Duration::hours(2)),
    )
    .await;
    let res = c
        .json(
            Method::POST,
            &format!("/api/v1/appointments/{close}/reschedule"),
            Some(json!({"starts_at": to})),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.json()["detail"]
        .as_str()
        .unwrap()
        .contains("can no longer be moved"));
    let page = t.get(&format!("/appointments/{close}")).await;
    assert!(page.body.contains("recorded as a late cancellation"));
    let res = t
        .post_form(&format!("/appointments/{close}/cancel"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        res.location(),
        Some(format!("/appointments/{close}?notice=cancelled-late").as_str())
    );
    let a = app.state.store.appointment(&close).await.unwrap().unwrap();
    assert_eq!(
        (
            a.status.as_str(),
            a.cancelled_by.as_deref(),
            a.cancelled_late
        ),
        ("cancelled", Some("therapist"), true)
    );
    let r = t.get("/api/v1/me/reliability").await.json();
    assert_eq!(r["last_90_days"]["late_cancellations"], 1);
    // The client was told, and the mail says nothing clinical.
    let mails = app.mails_to("c@example.org").await;
    let last = mails.last().unwrap();
    assert!(
        last.contains("Therapy session cancelled") && last.contains("cancelled by the therapist")
    );
    assert!(last.contains("recorded as late"));
    // Cancelled is final.
    let res = c
        .json(
            Method::POST,
            &format!("/api/v1/appointments/{close}/cancel"),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn calendars_parse_with_a_real_icalendar_reader_and_feeds_can_be_replaced_or_revoked() {
    let app = spawn_app().await;
    let (therapist, kind) = bookable_therapist(&app, "calendar.therapist@example.org", 0).await;
    let client = ready_client(&app, "feed.client@example.org").await;
    // One session in winter and one in summer: both sides of a DST change.
    let winter = Utc.with_ymd_and_hms(2027, 1, 12, 15, 0, 0).unwrap();
    let summer = Utc.with_ymd_and_hms(2027, 6, 15, 14, 0, 0).unwrap();
    let mut ids = Vec::new();
    for t in [winter, summer] {
        ids.push(appointment_at(&app, &therapist, &client, &kind, to_millis(t)).await);
    }
    let mut c = app.session_client(&client, SessionLevel::Password).await;
    let page = c.post_form("/sessions/feed", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    let url = feed_link(&page.body).expect("feed link shown");
    let path = url.trim_start_matches(BASE).to_string();
    let mut anyone = app.client();
    let res = anyone.get(&path).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.content_type().starts_with("text/calendar"));
    assert!(
        !res.body.contains("calendar.therapist") && !res.body.contains("feed.client"),
        "no names in a calendar others may sync"
    );
    if let Some(parsed) = ical_read(&res.body) {
        let cal = parsed.unwrap();
        assert_eq!(cal["timezones"], json!(["America/Chicago"]));
        let events = cal["events"].as_array().unwrap();
        assert_eq!(events.len(), 2);
        for (e, t) in events.iter().zip([winter, summer]) {
            assert_eq!(e["summary"], "Therapy session");
            assert_eq!(e["tzid"], "America/Chicago");
            assert_eq!(
                e["start"],
                t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "the same instant after the zone round trip"
            );
            assert_eq!(
                e["end"],
                (t + Duration::minutes(50))
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            );
            assert_eq!(e["status"], "CONFIRMED");
            assert!(e["description"]
                .as_str()
                .unwrap()
                .starts_with(&format!("Join: {BASE}/appointments/")));
        }
    }
    // The per-session download parses too, and a cancellation shows as CANCELLED in the feed.
    let one = c
        .get(&format!("/appointments/{}/calendar.ics", ids[0]))
        .await;
    assert!(one.content_type().starts_with("text/calendar"));
    if let Some(parsed) = ical_read(&one.body) {
        assert_eq!(
            parsed.unwrap()["events"][0]["start"],
            "2027-01-12T15:00:00Z"
        );
    }
    c.json(
        Method::POST,
        &format!("/api/v1/appointments/{}/cancel", ids[1]),
        None,
    )
    .await;
    let res = anyone.get(&path).await;
    if let Some(parsed) = ical_read(&res.body) {
        assert_eq!(parsed.unwrap()["events"][1]["status"], "CANCELLED");
    }
    // Replacing the link retires the old one; turning it off retires the new one.
    let page = c.post_form("/sessions/feed", &[]).await;
    let new_url = feed_link(&page.body).unwrap();
    assert_ne!(new_url, url);
    assert_eq!(anyone.get(&path).await.status, StatusCode::NOT_FOUND);
    let new_path = new_url.trim_start_matches(BASE).to_string();
    assert_eq!(anyone.get(&new_path).await.status, StatusCode::OK);
    c.post_form("/sessions/feed/revoke", &[]).await;
    assert_eq!(anyone.get(&new_path).await.status, StatusCode::NOT_FOUND);
}

/// The app's database and keys (its queued bodies are sealed under them), with SMTP.
fn state_with_smtp(app: &TestApp, smtp_url: String) -> AppState {
    let mut config = Config::new(
        url::Url::parse(BASE).unwrap(),
        app.state.config.data_dir.clone(),
    );
    config.smtp_url = Some(smtp_url);
    let vault = test_vault(&config);
    AppState::new(app.state.store.clone(), config, vault)
}

#[tokio::test]
async fn reminders_arrive_over_smtp_a_day_and_an_hour_before() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = spawn_app().await;
    let state = state_with_smtp(&app, sink.url());
    assert_eq!(state.config.reminders, vec![24 * 60, 60], "the defaults");
    let (therapist, kind) = bookable_therapist(&app, "remind.t@example.org", 0).await;
    let client = ready_client(&app, "remind.c@example.org").await;
    let start = from_millis(to_millis(Utc::now() + Duration::days(3)) / 60_000 * 60_000);
    let id = appointment_at(&app, &therapist, &client, &kind, to_millis(start)).await;
    let tick = |at: DateTime<Utc>| {
        let state = state.clone();
        async move {
            let n = scheduling::jobs::send_reminders(&state, at).await.unwrap();
            rapport_server::platform::mail::deliver_due(&state)
                .await
                .unwrap();
            n
        }
    };
    // The clock is ours: a minute before the day-ahead mark nothing is due.
    assert_eq!(
        tick(start - Duration::hours(24) - Duration::minutes(1)).await,
        0
    );
    assert_eq!(
        tick(start - Duration::hours(24) + Duration::seconds(30)).await,
        1
    );
    let mails = sink.wait_for(
        "remind.c@example.org",
        1,
        std::time::Duration::from_secs(10),
    );
    assert_eq!(mails.len(), 1);
    let tz: chrono_tz::Tz = "America/Chicago".parse().unwrap();
    assert!(mails[0].contains("Subject: Reminder: therapy session"));
    assert!(
        mails[0].contains(&zone::label(start, tz)),
        "time in the reader's zone: {}",
        mails[0]
    );
    assert!(mails[0].contains(&format!("{BASE}/appointments/{id}")));
    assert_eq!(
        sink.wait_for(
            "remind.t@example.org",
            1,
            std::time::Duration::from_secs(10)
        )
        .len(),
        1
    );
    // Nothing more until the hour-before mark, and each reminder goes once.
    assert_eq!(tick(start - Duration::hours(23)).await, 0);
    assert_eq!(
        tick(start - Duration::hours(1) - Duration::seconds(1)).await,
        0
    );
    assert_eq!(tick(start - Duration::minutes(59)).await, 1);
    assert_eq!(tick(start - Duration::minutes(58)).await, 0);
    assert_eq!(
        sink.wait_for(
            "remind.c@example.org",
            2,
            std::time::Duration::from_secs(10)
        )
        .len(),
        2
    );

    // A session booked only two hours ahead gets the hour reminder, not a stale "day" one.
    let late = from_millis(to_millis(Utc::now() + Duration::hours(2)) / 60_000 * 60_000);
    appointment_at(&app, &therapist, &client, &kind, to_millis(late)).await;
    assert_eq!(tick(Utc::now()).await, 0);
    assert_eq!(tick(late - Duration::minutes(59)).await, 1);
    let all = sink.wait_for(
        "remind.c@example.org",
        3,
        std::time::Duration::from_secs(10),
    );
    assert_eq!(all.len(), 3);
    // Reminders carry nothing clinical: only who, when, and the join link.
    for m in &all {
        assert!(!m.to_lowercase().contains("note") && !m.to_lowercase().contains("diagnos"));
    }
}

#[tokio::test]
async fn presence_settles_sessions_and_reliability_is_measured_from_it() {
    let app = spawn_app().await;
    let (therapist, kind) = bookable_therapist(&app, "rel.t@example.org", 0).await;
    app.enable_totp(&therapist).await;
    let client = ready_client(&app, "rel.c@example.org").await;
    let mut t = app.session_client(&therapist, SessionLevel::Mfa).await;
    let mut c = app.session_client(&client, SessionLevel::Password).await;

    // Joining opens 15 minutes before the start.
    let later = appointment_at(
        &app,
        &therapist,
        &client,
        &kind,
        to_millis(Utc::now() + Duration::days(2)),
    )
    .await;
    let res = c
        .post_form(&format!("/appointments/{later}/join"), &[])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.body.contains("15 minutes before"));
    let now_id = appointment_at(
        &app,
        &therapist,
        &client,
        &kind,
        to_millis(Utc::now() + Duration::minutes(5)),
    )
    .await;
    assert_eq!(
        t.post_form(&format!("/appointments/{now_id}/join"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        c.post_form(&format!("/appointments/{now_id}/join"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        c.post_form(&format!("/appointments/{now_id}/leave"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let history = c
        .get(&format!("/api/v1/appointments/{now_id}"))
        .await
        .json()["history"]
        .clone();
    let kinds: Vec<(String, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["party"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        kinds[1..],
        [
            ("joined".to_string(), "therapist".to_string()),
            ("joined".to_string(), "client".to_string()),
            ("left".to_string(), "client".to_string()),
        ]
    );
    // After the end it is settled from who joined.
    let end = from_millis(
        app.state
            .store
            .appointment(&now_id)
            .await
            .unwrap()
            .unwrap()
            .ends_at,
    );
    scheduling::jobs::settle_due(&app.state, end + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        app.state
            .store
            .appointment(&now_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        "completed"
    );

    // Ten past sessions: the therapist joins eight within two minutes, one five minutes
    // late, and never joins the tenth.
    let store = &app.state.store;
    let now = Utc::now();
    for day in 1..=10i64 {
        let start = now - Duration::days(day * 3) - Duration::hours(1);
        let id = appointment_at(&app, &therapist, &client, &kind, to_millis(start)).await;
        store
            .record_presence(&id, "client", &client.id, "joined", to_millis(start))
            .await
            .unwrap();
        let joined = match day {
            1..=8 => Some(start + Duration::seconds(90)),
            9 => Some(start + Duration::minutes(5)),
            _ => None,
        };
        if let Some(at) = joined {
            store
                .record_presence(&id, "therapist", &therapist.id, "joined", to_millis(at))
                .await
                .unwrap();
        }
    }
    // Before settling, none of them count; the profile says nothing yet.
    let profile_path = format!("/therapists/{}", therapist.id.as_str());
    let mut anyone = app.client();
    assert!(!anyone.get(&profile_path).await.body.contains("On time for"));
    scheduling::jobs::settle_due(&app.state, now).await.unwrap();
    let missed = store
        .raw_i64(
            "SELECT COUNT(*) FROM appointments WHERE no_show_therapist = 1",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(missed, 1);
    let r = t.get("/api/v1/me/reliability").await.json();
    // 10 sessions (the one above started after `now`, so it is not in the window yet):
    // 8 on time, 1 late, 1 missed.
    assert_eq!(r["last_90_days"]["sessions"], 10);
    assert_eq!(r["last_90_days"]["on_time"], 8);
    assert_eq!(r["last_90_days"]["no_shows"], 1);
    assert_eq!(r["on_time_percent"], 80);
    assert_eq!(r["public"], true);
    assert_eq!(r["trend"].as_array().unwrap().len(), 12);
    let body = anyone.get(&profile_path).await.body;
    assert!(
        body.contains("On time for 80% of sessions in the last 90 days"),
        "{body}"
    );
    assert!(body.contains("Missed a session 1 time in the last 90 days"));
    // The therapist's own page draws the trend.
    let page = t.get("/therapist/reliability").await;
    assert!(page.body.contains("<svg") && page.body.contains("80%"));
    // Someone else's appointment does not exist for you.
    let other = ready_client(&app, "other@example.org").await;
    let mut o = app.session_client(&other, SessionLevel::Password).await;
    assert_eq!(
        o.get(&format!("/api/v1/appointments/{now_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        o.get(&format!("/appointments/{now_id}/calendar.ics"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn therapists_set_hours_exceptions_time_off_and_session_types_on_the_page() {
    let app = spawn_app().await;
    let therapist = app.user("set.t@example.org", Role::Therapist).await;
    app.enable_totp(&therapist).await;
    let mut t = app.session_client(&therapist, SessionLevel::Mfa).await;
    assert_eq!(t.get("/therapist/schedule").await.status, StatusCode::OK);
    let res = t
        .post_form(
            "/therapist/schedule/types",
            &[
                ("type_name", "Intake"),
                ("type_minutes", "60"),
                ("buffer_before", "0"),
                ("buffer_after", "15"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = t
        .post_form(
            "/therapist/schedule/types",
            &[
                ("type_name", "Marathon"),
                ("type_minutes", "600"),
                ("buffer_before", "0"),
                ("buffer_after", "0"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .body
        .contains("Length (minutes) must be a whole number from 10 to 240."));
    let res = t
        .post_form(
            "/therapist/schedule/hours",
            &[
                ("d0_start1", "09:00"),
                ("d0_end1", "12:00"),
                ("d0_start2", "11:00"),
                ("d0_end2", "14:00"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Monday: the two blocks overlap."));
    let res = t
        .post_form(
            "/therapist/schedule/hours",
            &[
                ("d0_start1", "09:00"),
                ("d0_end1", "12:00"),
                ("d4_start1", "18:00"),
                ("d4_end1", "00:00"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let hours = app.state.store.weekly_hours(&therapist.id).await.unwrap();
    assert_eq!(
        hours
            .iter()
            .map(|h| (h.weekday, h.start_minute, h.end_minute))
            .collect::<Vec<_>>(),
        vec![(0, 540, 720), (4, 1080, 1440)]
    );
    assert_eq!(
        t.post_form(
            "/therapist/schedule/overrides",
            &[("day", "2026-12-24"), ("day_off", "1")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        t.post_form(
            "/therapist/schedule/time-off",
            &[("off_from", "2027-01-04"), ("off_to", "2027-01-08")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let off = app.state.store.time_off(&therapist.id).await.unwrap();
    // Whole local days in Chicago (UTC-6 in January).
    assert_eq!(
        from_millis(off[0].starts_at),
        Utc.with_ymd_and_hms(2027, 1, 4, 6, 0, 0).unwrap()
    );
    assert_eq!(
        from_millis(off[0].ends_at),
        Utc.with_ymd_and_hms(2027, 1, 9, 6, 0, 0).unwrap()
    );
    let res = t
        .post_form(
            "/therapist/schedule/settings",
            &[
                ("min_notice_hours", "48"),
                ("horizon_days", "30"),
                ("step_minutes", "30"),
                ("free_cancel_hours", "48"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = t.get("/therapist/schedule").await;
    assert!(page.body.contains("until 48 hours before it starts"));
    assert!(page.body.contains("2026-12-24: day off"));
    // The week view shows the hours of each day.
    let week = t.get("/therapist/calendar?week=2026-12-07").await;
    assert!(week.body.contains("Monday 7 December") && week.body.contains("09:00–12:00"));
    assert!(week.body.contains("18:00–00:00"));
}

#[tokio::test]
async fn erasing_a_client_frees_the_therapists_time() {
    let app = spawn_app().await;
    let (therapist, kind) = bookable_therapist(&app, "erase.t@example.org", 0).await;
    let client = ready_client(&app, "leaving@example.org").await;
    let start = to_millis(Utc::now() + Duration::days(4));
    let id = appointment_at(&app, &therapist, &client, &kind, start).await;
    let mut c = app.session_client(&client, SessionLevel::Password).await;
    let res = c
        .json(
            Method::POST,
            "/api/v1/me/erasure",
            Some(json!({"current_password": STRONG, "confirm": true})),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let a = app.state.store.appointment(&id).await.unwrap().unwrap();
    assert_eq!(
        (a.status.as_str(), a.cancelled_by.as_deref()),
        ("cancelled", Some("client"))
    );
    let mails = app.mails_to("erase.t@example.org").await;
    assert!(mails
        .iter()
        .any(|m| m.contains("Therapy session cancelled")));
}

#[tokio::test]
async fn a_clients_export_includes_their_sessions_and_history() {
    let app = spawn_app().await;
    let (therapist, kind) = bookable_therapist(&app, "export.t@example.org", 0).await;
    let client = ready_client(&app, "export.c@example.org").await;
    let start = to_millis(Utc::now() + Duration::days(4));
    let id = appointment_at(&app, &therapist, &client, &kind, start).await;
    let mut c = app.session_client(&client, SessionLevel::Password).await;
    let j = c.get("/api/v1/me/export").await.json();
    let list = j["appointments"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["appointment"]["id"], id.as_str());
    assert_eq!(list[0]["history"][0]["kind"], "booked");
}

#[tokio::test]
async fn a_session_can_move_into_time_it_overlaps_now() {
    let app = spawn_app().await;
    let (therapist, kind) = bookable_therapist(&app, "move.t@example.org", 0).await;
    let mut settings = app
        .state
        .store
        .schedule_settings(&therapist.id)
        .await
        .unwrap()
        .unwrap();
    settings.step_minutes = 30;
    app.state
        .store
        .save_schedule_settings(&settings)
        .await
        .unwrap();
    let client = ready_client(&app, "move.c@example.org").await;
    let mut c = app.session_client(&client, SessionLevel::Password).await;
    let slot = first_slot_from(
        &mut c,
        therapist.id.as_str(),
        &kind,
        Some(Utc::now() + Duration::days(3)),
    )
    .await;
    let id = appointment_at(&app, &therapist, &client, &kind, to_millis(slot)).await;
    let half_hour_later = (slot + Duration::minutes(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let page = c.get(&format!("/appointments/{id}/reschedule")).await;
    assert!(
        page.body.contains(&format!("value=\"{half_hour_later}\"")),
        "its own time is free for it"
    );
    let res = c
        .post_form(
            &format!("/appointments/{id}/reschedule"),
            &[("start", &half_hour_later)],
        )
        .await;
    assert_eq!(
        res.location(),
        Some(format!("/appointments/{id}?notice=moved").as_str())
    );
    let a = app.state.store.appointment(&id).await.unwrap().unwrap();
    assert_eq!(from_millis(a.starts_at), slot + Duration::minutes(30));
}
