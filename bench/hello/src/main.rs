//! `bench-hello [ADDR]`: a bare axum server answering `GET /` with a short text, built
//! with the same axum/tokio versions and features as rapport. The baseline that
//! bench/run-api.sh compares the API against. ADDR defaults to $BENCH_HELLO_LISTEN or
//! 127.0.0.1:8081.

use axum::{routing::get, Router};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("BENCH_HELLO_LISTEN").ok())
        .unwrap_or_else(|| "127.0.0.1:8081".to_string());
    let app = Router::new().route("/", get(|| async { "Hello, world!" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("bench-hello listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await
}
