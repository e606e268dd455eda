//! What every page's layout needs: who is signed in (for the navigation by role), the
//! CSRF token for forms, and the deployment's crisis lines for the footer.

use crate::auth::csrf::CsrfToken;
use crate::auth::Identity;
use crate::config::CrisisLine;
use crate::state::AppState;
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
        let mut links: Vec<(&'static str, &'static str)> =
            vec![("/", "Home"), ("/therapists", "Find a therapist")];
        if let Some(a) = &actor {
            if a.needs_mfa_enrolment() {
                links = vec![("/account/mfa", "Set up two-step verification")];
            } else if a.role() == Role::Admin {
                links.push(("/admin", "Admin"));
                links.push(("/admin/licenses", "Licenses"));
            } else if a.role() == Role::Therapist {
                links.push(("/therapist/calendar", "Calendar"));
                links.push(("/therapist/schedule", "Availability"));
                links.push(("/therapist/profile", "Profile"));
                links.push(("/therapist/licenses", "Licenses"));
                links.push(("/coach", "Reply coach"));
            } else if a.role() == Role::Client {
                links.push(("/match", "Find your match"));
                links.push(("/sessions", "Sessions"));
                links.push(("/consents", "Consents"));
                links.push(("/privacy", "Privacy"));
            }
            links.push(("/account", "Account"));
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
    pub list: Vec<crate::error::FieldProblem>,
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
    pub fn from_error(e: &crate::error::AppError) -> Self {
        let mut list = e.field_errors();
        if list.is_empty() {
            list.push(crate::error::FieldProblem {
                field: "form".into(),
                message: e.public_message(),
            });
        }
        Self { list }
    }
}
