//! The outbox delivers over real SMTP, retries with backoff when the server is down,
//! and keeps no message body once delivered.

use crate::helpers::*;
use rapport_server::{AppState, Config};
use rapport_testkit::{free_port, SmtpSink};
use std::time::Duration;

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
async fn mail_is_retried_until_the_smtp_server_answers() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = spawn_app().await;
    let store = app.state.store.clone();
    rapport_server::platform::mail::queue(
        &app.state,
        "ana@example.org",
        "Hello from Rapport",
        "A test message.".into(),
    )
    .await
    .unwrap();
    let stored = store
        .raw_bytes("SELECT body_sealed FROM outbox", &[])
        .await
        .unwrap()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&stored).contains("A test message"),
        "the queued body is stored sealed"
    );

    // Nothing listens here: the attempt fails and is scheduled again, not lost.
    let down = state_with_smtp(&app, format!("smtp://127.0.0.1:{}", free_port()));
    assert_eq!(
        rapport_server::platform::mail::deliver_due(&down)
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.outbox_counts().await.unwrap(), (1, 0, 0));
    let row = store
        .raw_rows("SELECT attempts, last_error FROM outbox", &[])
        .await
        .unwrap();
    assert_eq!(row[0][0].as_deref(), Some("1"));
    assert!(row[0][1].is_some());
    assert_eq!(
        rapport_server::platform::mail::deliver_due(&down)
            .await
            .unwrap(),
        0,
        "backoff: not due yet"
    );

    // Once due again and the server is up, it arrives.
    store
        .raw_execute("UPDATE outbox SET next_attempt_at = 0", &[])
        .await
        .unwrap();
    let up = state_with_smtp(&app, sink.url());
    assert_eq!(
        rapport_server::platform::mail::deliver_due(&up)
            .await
            .unwrap(),
        1
    );
    let got = sink.wait_for("ana@example.org", 1, Duration::from_secs(10));
    assert_eq!(got.len(), 1);
    assert!(got[0].contains("Subject: Hello from Rapport"));
    assert!(got[0].contains("A test message."));
    assert_eq!(store.outbox_counts().await.unwrap(), (0, 1, 0));
    let body = store
        .raw_rows(
            "SELECT id FROM outbox WHERE body_text IS NOT NULL OR body_sealed IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    assert!(
        body.is_empty(),
        "delivered bodies (with their one-time links) are not kept"
    );
}

#[tokio::test]
async fn the_background_worker_sends_sign_up_mail_over_smtp() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = spawn_app().await;
    let state = state_with_smtp(&app, sink.url());
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(rapport_server::platform::mail::run_worker(
        state.clone(),
        stop_rx,
    ));
    let meta = rapport_server::platform::meta::RequestMeta {
        ip: "127.0.0.1".into(),
        user_agent: None,
        request_id: "t".into(),
    };
    rapport_server::accounts::service::sign_up(
        &state,
        rapport_server::accounts::service::SignUp {
            email: "new@example.org".into(),
            password: STRONG.into(),
            display_name: "New".into(),
            pronouns: None,
            time_zone: "UTC".into(),
        },
        &meta,
    )
    .await
    .unwrap();
    let got = tokio::task::spawn_blocking(move || {
        let got = sink.wait_for("new@example.org", 1, Duration::from_secs(15));
        drop(sink);
        got
    })
    .await
    .unwrap();
    stop.send(true).unwrap();
    worker.await.unwrap();
    assert_eq!(got.len(), 1, "the worker delivered without being called");
    assert!(got[0].contains("Confirm your e-mail for Rapport"));
    assert!(
        rapport_testkit::smtp::find_link(&got[0], &format!("{BASE}/verify-email?token=")).is_some()
    );
}
