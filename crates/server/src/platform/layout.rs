//! What every page's layout needs: who is signed in (for the navigation by role, built
//! from the links features offer), the CSRF token for forms, the deployment's crisis
//! lines for the footer; and form errors, the error page and rendering.

use crate::platform::auth::csrf::CsrfToken;
use crate::platform::auth::Identity;
use crate::platform::config::CrisisLine;
use crate::platform::nav::Audience;
use crate::platform::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Extensions;
use rapport_core::Role;
use std::convert::Infallible;

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub struct NavUser {
    pub display_name: String,
    pub role_label: &'static str,
    pub mfa: bool,
    pub is_admin: bool,
}

pub struct PageCtx {
    pub user: Option<NavUser>,
    pub csrf: String,
    pub crisis: Vec<CrisisLine>,
    pub nav: Vec<NavLink>,
}

impl PageCtx {
    pub fn from_extensions(ext: &Extensions, state: &AppState) -> Self {
        Self::build(ext, state, "")
    }

    fn build(ext: &Extensions, state: &AppState, path: &str) -> Self {
        let actor = ext
            .get::<Identity>()
            .and_then(|i| i.0.clone())
            .filter(|a| !a.pending_mfa());
        let mut links: Vec<(&'static str, &'static str)> = vec![("/", "Home")];
        match &actor {
            Some(a) if a.needs_mfa_enrolment() => {
                links = vec![("/account/mfa", "Set up two-step verification")];
            }
            _ => {
                let role = actor.as_ref().map(|a| a.role());
                links.extend(
                    state
                        .nav()
                        .iter()
                        .filter(|item| match item.audience {
                            Audience::Everyone => true,
                            Audience::Roles(roles) => role.is_some_and(|r| roles.contains(&r)),
                        })
                        .map(|item| (item.href, item.label)),
                );
            }
        }
        let nav = links
            .into_iter()
            .map(|(href, label)| NavLink {
                href,
                label,
                current: href == path,
            })
            .collect();
        Self {
            user: actor.map(|a| NavUser {
                display_name: a.user.display_name.clone(),
                role_label: a.role().label(),
                mfa: a.user.mfa_enabled(),
                is_admin: a.role() == Role::Admin,
            }),
            csrf: ext
                .get::<CsrfToken>()
                .map(|t| t.0.clone())
                .unwrap_or_default(),
            crisis: state.config.crisis_lines.clone(),
            nav,
        }
    }
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(Self::build(&parts.extensions, state, parts.uri.path()))
    }
}

/// Field errors for a form, looked up by field name in templates.
#[derive(Default)]
pub struct FormErrors {
    pub list: Vec<crate::platform::error::FieldProblem>,
}

impl FormErrors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.as_str())
    }
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    pub fn from_error(e: &crate::platform::error::AppError) -> Self {
        let mut list = e.field_errors();
        if list.is_empty() {
            list.push(crate::platform::error::FieldProblem {
                field: "form".into(),
                message: e.public_message(),
            });
        }
        Self { list }
    }
}

/// The page every error that reaches a browser is shown on.
#[derive(askama::Template)]
#[template(path = "platform/error.html")]
pub struct ErrorPage {
    pub ctx: PageCtx,
    pub status: u16,
    pub title: &'static str,
    pub detail: String,
    pub request_id: String,
}

/// Renders a template into an HTML response.
pub fn render(
    t: &impl askama::Template,
) -> crate::platform::error::AppResult<axum::response::Html<String>> {
    t.render()
        .map(axum::response::Html)
        .map_err(|e| crate::platform::error::AppError::Internal(e.into()))
}
