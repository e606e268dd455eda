//! Rapport's HTTP server: the axum application (web pages, JSON API, operations
//! endpoints), its middleware stack, and the background mail worker.

pub mod access;
pub mod accounts;
pub mod api;
pub mod auth;
pub mod coach;
pub mod config;
pub mod consent;
pub mod credentials;
pub mod demo;
pub mod directory;
pub mod emergency;
pub mod erasure;
pub mod error;
pub mod export;
pub mod headers;
pub mod mail;
pub mod matching;
pub mod meta;
pub mod ops;
pub mod privacy;
pub mod profiles;
pub mod respond;
pub mod scheduling;
pub mod state;
pub mod testkit;
pub mod uploads;
pub mod web;

pub use access::{Access, RouteInfo};
pub use config::Config;
pub use state::AppState;

use access::{Routes, ADMIN, ALL_ROLES, CLIENTS, PARTICIPANTS, THERAPISTS};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, Method};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use std::future::Future;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
}

/// Every route with its access rule. Adding a route anywhere else is not possible: the
/// router is built only from this table. (Kept one route per line, hence `rustfmt::skip`.)
#[rustfmt::skip]
fn routes(state: AppState) -> Routes {
    use web::{account as acc, admin as adm, public as pubw};
    use Access::*;
    use Method as M;
    let token = Owner(ALL_ROLES, access::ObjectKind::ApiToken);
    let own_license = Owner(THERAPISTS, access::ObjectKind::License);
    let session = Owner(PARTICIPANTS, access::ObjectKind::Appointment);
    use web::schedule as sch;
    let upload = |r: axum::routing::MethodRouter<AppState>| r.layer(DefaultBodyLimit::max(uploads::UPLOAD_LIMIT + 64 * 1024));
    Routes::new(state)
        // Operations
        .add(M::GET, "/healthz", Public, get(ops::healthz))
        .add(M::GET, "/readyz", Public, get(ops::readyz))
        .add(M::GET, "/metrics", Public, get(ops::metrics))
        .add(M::GET, "/static/app.css", Public, get(css))
        .add(M::GET, "/static/app.js", Public, get(js))
        // Web: public
        .add(M::GET, "/", Public, get(pubw::home))
        .add(M::GET, "/crisis", Public, get(pubw::crisis))
        .add(M::GET, "/therapists", Public, get(web::directory::search))
        .add(M::GET, "/therapists/{id}", Public, get(web::directory::profile))
        .add(M::GET, "/signup", Public, get(pubw::signup_form))
        .add(M::POST, "/signup", Public, post(pubw::signup))
        .add(M::GET, "/signup/check-email", Public, get(pubw::check_email))
        .add(M::GET, "/verify-email", Public, get(pubw::verify_email_form))
        .add(M::POST, "/verify-email", Public, post(pubw::verify_email))
        .add(M::GET, "/login", Public, get(pubw::login_form))
        .add(M::POST, "/login", Public, post(pubw::login))
        .add(M::GET, "/login/mfa", PendingMfa, get(pubw::login_mfa_form))
        .add(M::POST, "/login/mfa", PendingMfa, post(pubw::login_mfa))
        .add(M::POST, "/logout", Public, post(pubw::logout))
        .add(M::GET, "/password-reset", Public, get(pubw::reset_form))
        .add(M::POST, "/password-reset", Public, post(pubw::reset_request))
        .add(M::GET, "/password-reset/confirm", Public, get(pubw::reset_confirm_form))
        .add(M::POST, "/password-reset/confirm", Public, post(pubw::reset_confirm))
        // Web: own account
        .add(M::GET, "/account", Account, get(acc::show))
        .add(M::POST, "/account/profile", Account, post(acc::save_profile))
        .add(M::POST, "/account/password", Account, post(acc::change_password))
        .add(M::POST, "/account/sessions/revoke-all", Account, post(acc::sign_out_everywhere))
        .add(M::GET, "/account/mfa", Account, get(acc::mfa_form))
        .add(M::POST, "/account/mfa", Account, post(acc::mfa_confirm))
        .add(M::POST, "/account/mfa/disable", Roles(CLIENTS), post(acc::mfa_disable))
        .add(M::POST, "/account/tokens", Roles(ALL_ROLES), post(acc::create_token))
        .add(M::POST, "/account/tokens/{id}/revoke", token, post(acc::revoke_token))
        .add(M::GET, "/privacy", Roles(CLIENTS), get(acc::privacy))
        .add(M::POST, "/privacy/erase", Roles(CLIENTS), post(acc::erase))
        .add(M::GET, "/match", Roles(CLIENTS), get(web::matching::show))
        .add(M::POST, "/match", Roles(CLIENTS), post(web::matching::submit))
        .add(M::GET, "/consents", Roles(CLIENTS), get(web::consents::list))
        .add(M::GET, "/consents/{key}", Roles(CLIENTS), get(web::consents::show))
        .add(M::POST, "/consents/{key}/sign", Roles(CLIENTS), post(web::consents::sign))
        .add(M::POST, "/consents/{key}/withdraw", Roles(CLIENTS), post(web::consents::withdraw))
        .add(M::GET, "/consents/{key}/signed", Roles(CLIENTS), get(web::consents::download))
        .add(M::GET, "/therapist/profile", Roles(THERAPISTS), get(web::profile::show))
        .add(M::POST, "/therapist/profile", Roles(THERAPISTS), post(web::profile::save))
        .add(M::POST, "/therapist/photo", Roles(THERAPISTS), upload(post(web::uploads::upload_photo)))
        .add(M::GET, "/therapists/{id}/photo", Public, get(web::uploads::photo))
        .add(M::POST, "/therapist/licenses/{id}/evidence", own_license, upload(post(web::uploads::upload_evidence)))
        .add(M::GET, "/therapist/licenses/{id}/evidence", own_license, get(web::uploads::evidence))
        .add(M::GET, "/admin/licenses/{license}/evidence", Roles(ADMIN), get(web::uploads::evidence))
        .add(M::GET, "/therapist/licenses", Roles(THERAPISTS), get(web::credentials::mine))
        .add(M::POST, "/therapist/licenses", Roles(THERAPISTS), post(web::credentials::submit))
        .add(M::GET, "/coach", Roles(THERAPISTS), get(web::coach::page))
        .add(M::POST, "/coach", Roles(THERAPISTS), post(web::coach::check))
        .add(M::POST, "/coach/opt-in", Roles(THERAPISTS), post(web::coach::opt_in))
        .add(M::POST, "/coach/opt-out", Roles(THERAPISTS), post(web::coach::opt_out))
        .add(M::GET, "/therapist/schedule", Roles(THERAPISTS), get(sch::settings))
        .add(M::POST, "/therapist/schedule/settings", Roles(THERAPISTS), post(sch::save_settings))
        .add(M::POST, "/therapist/schedule/hours", Roles(THERAPISTS), post(sch::save_hours))
        .add(M::POST, "/therapist/schedule/overrides", Roles(THERAPISTS), post(sch::add_override))
        .add(M::POST, "/therapist/schedule/overrides/{id}/remove", Roles(THERAPISTS), post(sch::remove_override))
        .add(M::POST, "/therapist/schedule/time-off", Roles(THERAPISTS), post(sch::add_time_off))
        .add(M::POST, "/therapist/schedule/time-off/{id}/remove", Roles(THERAPISTS), post(sch::remove_time_off))
        .add(M::POST, "/therapist/schedule/types", Roles(THERAPISTS), post(sch::add_type))
        .add(M::POST, "/therapist/schedule/types/{id}/toggle", Roles(THERAPISTS), post(sch::toggle_type))
        .add(M::GET, "/therapist/calendar", Roles(THERAPISTS), get(sch::week))
        .add(M::GET, "/therapist/reliability", Roles(THERAPISTS), get(sch::reliability))
        .add(M::GET, "/therapists/{id}/book", Roles(CLIENTS), get(sch::book_form))
        .add(M::POST, "/therapists/{id}/book", Roles(CLIENTS), post(sch::book))
        .add(M::GET, "/sessions", Roles(PARTICIPANTS), get(sch::sessions))
        .add(M::POST, "/sessions/feed", Roles(PARTICIPANTS), post(sch::create_feed))
        .add(M::POST, "/sessions/feed/revoke", Roles(PARTICIPANTS), post(sch::revoke_feed))
        .add(M::GET, "/calendar/{token}", Public, get(sch::feed))
        .add(M::GET, "/appointments/{id}", session, get(sch::appointment))
        .add(M::GET, "/appointments/{id}/calendar.ics", session, get(sch::download))
        .add(M::POST, "/appointments/{id}/cancel", session, post(sch::cancel))
        .add(M::GET, "/appointments/{id}/reschedule", session, get(sch::reschedule_form))
        .add(M::POST, "/appointments/{id}/reschedule", session, post(sch::reschedule))
        .add(M::POST, "/appointments/{id}/join", session, post(sch::join))
        .add(M::POST, "/appointments/{id}/leave", session, post(sch::leave))
        // Web: admin
        .add(M::GET, "/admin", Roles(ADMIN), get(adm::console))
        .add(M::POST, "/admin/emergency", Roles(ADMIN), post(adm::grant_emergency))
        .add(M::GET, "/admin/licenses", Roles(ADMIN), get(web::credentials::queue))
        .add(M::POST, "/admin/licenses/{license}/decision", Roles(ADMIN), post(web::credentials::decide))
        .add(M::POST, "/admin/emergency/{id}/end", Roles(ADMIN), post(adm::end_emergency))
        // API
        .add(M::GET, "/api/v1/openapi.json", Public, get(api::openapi::document))
        .add(M::POST, "/api/v1/accounts", Public, post(api::accounts::sign_up))
        .add(M::POST, "/api/v1/accounts/verify-email", Public, post(api::accounts::verify_email))
        .add(M::POST, "/api/v1/session", Public, post(api::accounts::log_in))
        .add(M::DELETE, "/api/v1/session", Account, delete(api::accounts::log_out))
        .add(M::POST, "/api/v1/session/mfa", PendingMfa, post(api::accounts::complete_mfa))
        .add(M::DELETE, "/api/v1/sessions", Account, delete(api::accounts::sign_out_everywhere))
        .add(M::GET, "/api/v1/me", Account, get(api::accounts::me))
        .add(M::PATCH, "/api/v1/me", Account, patch(api::accounts::update_me))
        .add(M::PUT, "/api/v1/me/password", Account, put(api::accounts::change_password))
        .add(M::POST, "/api/v1/me/mfa/totp", Account, post(api::accounts::begin_totp))
        .add(M::POST, "/api/v1/me/mfa/totp/confirm", Account, post(api::accounts::confirm_totp))
        .add(M::POST, "/api/v1/password-reset", Public, post(api::accounts::request_reset))
        .add(M::POST, "/api/v1/password-reset/confirm", Public, post(api::accounts::reset_password))
        .add(M::GET, "/api/v1/me/tokens", Roles(ALL_ROLES), get(api::accounts::list_tokens))
        .add(M::POST, "/api/v1/me/tokens", Roles(ALL_ROLES), post(api::accounts::create_token))
        .add(M::DELETE, "/api/v1/me/tokens/{id}", token, delete(api::accounts::revoke_token))
        .add(M::GET, "/api/v1/me/access-log", Roles(CLIENTS), get(api::accounts::access_log))
        .add(M::GET, "/api/v1/me/access-log/fhir", Roles(CLIENTS), get(api::accounts::access_log_fhir))
        .add(M::GET, "/api/v1/me/export", Roles(CLIENTS), get(api::accounts::export_json))
        .add(M::GET, "/api/v1/me/export/fhir", Roles(CLIENTS), get(api::accounts::export_fhir))
        .add(M::GET, "/api/v1/me/erasure", Roles(CLIENTS), get(api::accounts::erasure_plan))
        .add(M::POST, "/api/v1/me/erasure", Roles(CLIENTS), post(api::accounts::erase))
        .add(M::GET, "/api/v1/consents", Roles(CLIENTS), get(api::consents::list))
        .add(M::POST, "/api/v1/consents/{key}/signature", Roles(CLIENTS), post(api::consents::sign))
        .add(M::DELETE, "/api/v1/consents/{key}/signature", Roles(CLIENTS), delete(api::consents::withdraw))
        .add(M::GET, "/api/v1/me/emergency-access", Roles(CLIENTS), get(api::accounts::emergency_grants))
        .add(M::POST, "/api/v1/admin/emergency-access", Roles(ADMIN), post(api::admin::grant_emergency))
        .add(M::POST, "/api/v1/coach/review", Roles(THERAPISTS), post(api::coach::review))
        .add(M::PUT, "/api/v1/coach/opt-in", Roles(THERAPISTS), put(api::coach::opt_in))
        .add(M::DELETE, "/api/v1/coach/opt-in", Roles(THERAPISTS), delete(api::coach::opt_out))
        .add(M::GET, "/api/v1/therapists", Public, get(api::directory::search))
        .add(M::GET, "/api/v1/therapists/{id}", Public, get(api::directory::profile))
        .add(M::PUT, "/api/v1/me/profile", Roles(THERAPISTS), put(api::directory::save_profile))
        .add(M::GET, "/api/v1/me/licenses", Roles(THERAPISTS), get(api::directory::my_licenses))
        .add(M::POST, "/api/v1/me/licenses", Roles(THERAPISTS), post(api::directory::submit_license))
        .add(M::PUT, "/api/v1/me/location", Roles(CLIENTS), put(api::directory::set_location))
        .add(M::POST, "/api/v1/match", Roles(CLIENTS), post(api::directory::find_matches))
        .add(M::GET, "/api/v1/admin/licenses", Roles(ADMIN), get(api::directory::queue))
        .add(M::POST, "/api/v1/admin/licenses/{license}/decision", Roles(ADMIN), post(api::directory::decide))
        .add(M::GET, "/api/v1/therapists/{id}/availability", Public, get(api::schedule::availability))
        .add(M::POST, "/api/v1/appointments", Roles(CLIENTS), post(api::schedule::book))
        .add(M::GET, "/api/v1/me/appointments", Roles(PARTICIPANTS), get(api::schedule::mine))
        .add(M::GET, "/api/v1/appointments/{id}", session, get(api::schedule::show))
        .add(M::POST, "/api/v1/appointments/{id}/cancel", session, post(api::schedule::cancel))
        .add(M::POST, "/api/v1/appointments/{id}/reschedule", session, post(api::schedule::reschedule))
        .add(M::POST, "/api/v1/appointments/{id}/presence", session, post(api::schedule::presence))
        .add(M::GET, "/api/v1/me/reliability", Roles(THERAPISTS), get(api::schedule::reliability))
        .add(M::GET, "/api/v1/admin/users", Roles(ADMIN), get(api::admin::users))
        .add(M::GET, "/api/v1/admin/security-events", Roles(ADMIN), get(api::admin::security_events))
}

/// The route table (method, path template, rule), for the authorization walk and docs.
pub fn route_table(state: &AppState) -> Vec<RouteInfo> {
    routes(state.clone()).finish().1
}

/// The whole application, ready to serve or to call with `oneshot` in tests.
pub fn app(state: AppState) -> Router {
    let (router, _) = routes(state.clone()).finish();
    let panic_layer = CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
        error::AppError::Internal(anyhow::anyhow!("handler panicked")).into_response()
    });
    router
        .fallback(|| async { error::AppError::NotFound })
        .layer(
            ServiceBuilder::new()
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
                .layer(DefaultBodyLimit::max(state.config.body_limit)),
        )
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests and stops the mail
/// worker (which leaves undelivered mail in the outbox for the next start).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(mail::run_worker(state.clone(), stop_rx.clone()));
    let signer = tokio::spawn(sign_checkpoints(state.clone(), stop_rx));
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = signer.await;
    Ok(())
}

/// Housekeeping every minute and once more at shutdown: signs the access log's head, so
/// events are covered by a checkpoint soon after they are written, and destroys the
/// records of erased clients whose retention period has ended.
async fn sign_checkpoints(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        let stop = tokio::select! {
            _ = tokio::time::sleep(state.config.checkpoint_every) => false,
            _ = shutdown.changed() => true,
        };
        let signed = match state.store.pool().acquire().await {
            Ok(mut conn) => state
                .vault
                .checkpoint(&mut conn)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match signed {
            Ok(Some(seq)) => tracing::info!(seq, "signed an access-log checkpoint"),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "could not sign an access-log checkpoint"),
        }
        if let Err(e) = erasure::run_due(&state).await {
            tracing::error!(error = %e, "could not run due erasures");
        }
        if let Err(e) = state.store.optimize().await {
            tracing::error!(error = %e, "could not refresh query statistics");
        }
        if let Err(e) = credentials::send_expiry_reminders(&state, directory::today()).await {
            tracing::error!(error = %e, "could not send license expiry reminders");
        }
        let now = chrono::Utc::now();
        if let Err(e) = scheduling::settle_due(&state, now).await {
            tracing::error!(error = %e, "could not settle ended sessions");
        }
        if let Err(e) = scheduling::send_reminders(&state, now).await {
            tracing::error!(error = %e, "could not send session reminders");
        }
        if stop {
            break;
        }
    }
}
