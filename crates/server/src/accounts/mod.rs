//! Accounts: sign-up and e-mail confirmation, sign-in with two-step verification, the
//! person's account settings (profile, password, devices, API tokens), and the admin's
//! list of accounts and security events. No clinical content is reachable here.

pub mod admin_api;
pub mod api;
pub mod mail;
pub mod mfa;
pub mod service;
pub mod signin;
pub mod web;

use crate::platform::access::{Access, Ownership, Routes, ADMIN, ALL_ROLES, CLIENTS};
use crate::platform::nav::{Audience, NavItem};
use crate::platform::state::AppState;
use axum::http::Method as M;
use axum::routing::{delete, get, patch, post, put};
use rapport_core::{TokenId, UserId};

/// An API token belongs to the account that created it.
pub const API_TOKEN: Ownership = Ownership {
    name: "API token",
    owners: |state: &AppState, id: &str| {
        let id = TokenId(id.to_string());
        Box::pin(async move {
            Ok(state
                .store
                .api_token_owner_by_id(&id)
                .await?
                .into_iter()
                .collect::<Vec<UserId>>())
        })
    },
};

/// The routes of accounts, each with its access rule.
#[rustfmt::skip]
pub fn routes(r: Routes) -> Routes {
    use web::{account as acc, admin as adm, public as pubw};
    use Access::*;
    let token = Owner(ALL_ROLES, API_TOKEN);
    r.add(M::GET, "/signup", Public, get(pubw::signup_form))
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
        .add(M::GET, "/account", Account, get(acc::show))
        .add(M::POST, "/account/profile", Account, post(acc::save_profile))
        .add(M::POST, "/account/password", Account, post(acc::change_password))
        .add(M::POST, "/account/sessions/revoke-all", Account, post(acc::sign_out_everywhere))
        .add(M::GET, "/account/mfa", Account, get(acc::mfa_form))
        .add(M::POST, "/account/mfa", Account, post(acc::mfa_confirm))
        .add(M::POST, "/account/mfa/disable", Roles(CLIENTS), post(acc::mfa_disable))
        .add(M::POST, "/account/tokens", Roles(ALL_ROLES), post(acc::create_token))
        .add(M::POST, "/account/tokens/{id}/revoke", token, post(acc::revoke_token))
        .add(M::GET, "/admin", Roles(ADMIN), get(adm::console))
        .add(M::POST, "/api/v1/accounts", Public, post(api::sign_up))
        .add(M::POST, "/api/v1/accounts/verify-email", Public, post(api::verify_email))
        .add(M::POST, "/api/v1/session", Public, post(api::log_in))
        .add(M::DELETE, "/api/v1/session", Account, delete(api::log_out))
        .add(M::POST, "/api/v1/session/mfa", PendingMfa, post(api::complete_mfa))
        .add(M::DELETE, "/api/v1/sessions", Account, delete(api::sign_out_everywhere))
        .add(M::GET, "/api/v1/me", Account, get(api::me))
        .add(M::PATCH, "/api/v1/me", Account, patch(api::update_me))
        .add(M::PUT, "/api/v1/me/password", Account, put(api::change_password))
        .add(M::POST, "/api/v1/me/mfa/totp", Account, post(api::begin_totp))
        .add(M::POST, "/api/v1/me/mfa/totp/confirm", Account, post(api::confirm_totp))
        .add(M::POST, "/api/v1/password-reset", Public, post(api::request_reset))
        .add(M::POST, "/api/v1/password-reset/confirm", Public, post(api::reset_password))
        .add(M::GET, "/api/v1/me/tokens", Roles(ALL_ROLES), get(api::list_tokens))
        .add(M::POST, "/api/v1/me/tokens", Roles(ALL_ROLES), post(api::create_token))
        .add(M::DELETE, "/api/v1/me/tokens/{id}", token, delete(api::revoke_token))
        .add(M::GET, "/api/v1/admin/users", Roles(ADMIN), get(admin_api::users))
        .add(M::GET, "/api/v1/admin/security-events", Roles(ADMIN), get(admin_api::security_events))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api::sign_up,
    api::verify_email,
    api::log_in,
    api::complete_mfa,
    api::log_out,
    api::sign_out_everywhere,
    api::me,
    api::update_me,
    api::change_password,
    api::request_reset,
    api::reset_password,
    api::begin_totp,
    api::confirm_totp,
    api::list_tokens,
    api::create_token,
    api::revoke_token,
    admin_api::users,
    admin_api::security_events,
))]
struct Api;

/// The OpenAPI description of accounts' endpoints.
pub fn openapi() -> utoipa::openapi::OpenApi {
    <Api as utoipa::OpenApi>::openapi()
}

/// Accounts' links in the main navigation.
pub fn nav() -> Vec<NavItem> {
    vec![
        NavItem {
            href: "/admin",
            label: "Admin",
            audience: Audience::Roles(ADMIN),
            order: 10,
        },
        NavItem {
            href: "/account",
            label: "Account",
            audience: Audience::Roles(ALL_ROLES),
            order: 1000,
        },
    ]
}
