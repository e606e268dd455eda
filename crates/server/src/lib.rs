//! Rapport's HTTP server: the axum application (web pages, JSON API, operations
//! endpoints), its middleware stack, the mail worker and housekeeping.
//!
//! The crate is one folder per feature over a `platform` that knows no feature. This
//! file only composes them: each feature hands over its routes (with their access
//! rules), its OpenAPI paths, its navigation links and its background jobs.

pub mod accounts;
pub mod care;
pub mod coach;
pub mod directory;
pub mod home;
pub mod platform;
pub mod privacy;
pub mod scheduling;

pub use platform::access::{Access, RouteInfo};
pub use platform::config::Config;
pub use platform::state::AppState;

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use platform::access::Routes;
use platform::housekeeping::Job;
use platform::nav::NavItem;
use platform::{auth, error, headers, ops, respond};
use std::future::Future;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;

/// Every route with its access rule, feature by feature. The router is built only from
/// this table, so a route cannot exist without a rule.
fn routes(state: AppState) -> Routes {
    let r = Routes::new(state).add(
        Method::GET,
        "/api/v1/openapi.json",
        Access::Public,
        get(openapi_document),
    );
    let r = platform::routes(r);
    let r = home::routes(r);
    let r = accounts::routes(r);
    let r = directory::routes(r);
    let r = scheduling::routes(r);
    let r = privacy::routes(r);
    let r = care::routes(r);
    coach::routes(r)
}

/// The OpenAPI 3.1 document of every feature's endpoints.
pub fn openapi() -> utoipa::openapi::OpenApi {
    platform::openapi::document([
        accounts::openapi(),
        directory::openapi(),
        scheduling::openapi(),
        privacy::openapi(),
        care::openapi(),
        coach::openapi(),
    ])
}

async fn openapi_document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(openapi())
}

/// The links of the main navigation, from every feature.
fn nav() -> Vec<NavItem> {
    [
        accounts::nav(),
        directory::nav(),
        scheduling::nav(),
        privacy::nav(),
        care::nav(),
        coach::nav(),
    ]
    .concat()
}

/// The background jobs of every feature (run by the housekeeping loop).
pub fn jobs() -> Vec<Job> {
    [directory::jobs(), scheduling::jobs(), privacy::jobs()].concat()
}

/// The route table (method, path template, rule), for the authorization walk and docs.
pub fn route_table(state: &AppState) -> Vec<RouteInfo> {
    routes(state.clone()).finish().1
}

/// The whole application, ready to serve or to call with `oneshot` in tests.
pub fn app(state: AppState) -> Router {
    state.set_nav(nav());
    let (router, _) = routes(state.clone()).finish();
    let panic_layer = CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
        error::AppError::Internal(anyhow::anyhow!("handler panicked")).into_response()
    });
    router
        .fallback(|| async { error::AppError::NotFound })
        .layer(
            ServiceBuilder::new()
                .layer(from_fn_with_state(state.clone(), ops::distrust_request_id))
                .layer(SetRequestIdLayer::x_request_id(ops::RequestIds::default()))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(from_fn_with_state(state.clone(), ops::observe))
                .layer(from_fn_with_state(state.clone(), headers::security_headers))
                .layer(from_fn(auth::csrf::ensure_cookie))
                .layer(from_fn_with_state(
                    state.clone(),
                    auth::actor::resolve_identity,
                ))
                .layer(from_fn_with_state(state.clone(), respond::render_errors))
                .layer(from_fn_with_state(state.clone(), respond::refuse_oversized))
                .layer(panic_layer)
                .layer(RequestBodyTimeoutLayer::new(state.config.body_timeout))
                .layer(DefaultBodyLimit::max(state.config.body_limit)),
        )
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests and stops the mail
/// worker (which leaves undelivered mail in the outbox for the next start) and the
/// housekeeping loop (which signs the access log's head once more).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Secrets an earlier version stored in clear are sealed before anything reads them.
    let sealed = state.vault.seal_clear_secrets(&state.store).await?;
    if sealed > 0 {
        tracing::warn!(
            sealed,
            "secrets stored in clear by an earlier version were sealed"
        );
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(platform::mail::run_worker(state.clone(), stop_rx.clone()));
    let housekeeping = tokio::spawn(platform::housekeeping::run(
        state.clone(),
        jobs(),
        stop_rx.clone(),
    ));
    let checkpoints = tokio::spawn(platform::housekeeping::checkpoints(
        state.clone(),
        stop_rx.clone(),
    ));
    let header_timeout = state.config.header_timeout;
    // `/metrics` without a token, on the operator's private address, if configured.
    let private = match state.config.metrics_listen {
        Some(addr) => {
            let metrics = Router::new()
                .route("/metrics", get(ops::private_metrics))
                .with_state(state.clone());
            let listener = tokio::net::TcpListener::bind(addr).await?;
            let mut stop = stop_rx.clone();
            Some(tokio::spawn(platform::serve::serve(
                listener,
                metrics,
                header_timeout,
                async move {
                    let _ = stop.changed().await;
                },
            )))
        }
        None => None,
    };
    platform::serve::serve(listener, app(state), header_timeout, shutdown).await?;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = housekeeping.await;
    let _ = checkpoints.await;
    if let Some(private) = private {
        let _ = private.await;
    }
    Ok(())
}
