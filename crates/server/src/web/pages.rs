//! The page templates (askama, HTML-escaped by default) and their data.

use super::layout::{FormErrors, PageCtx};
use askama::Template;
use rapport_store::users::User;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: PageCtx,
    pub status: u16,
    pub title: &'static str,
    pub detail: String,
    pub request_id: String,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: PageCtx,
    pub notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "signup.html")]
pub struct SignupPage {
    pub ctx: PageCtx,
    pub errors: FormErrors,
    pub email: String,
    pub display_name: String,
    pub pronouns: String,
    pub time_zone: String,
}

#[derive(Template)]
#[template(path = "check_email.html")]
pub struct CheckEmailPage {
    pub ctx: PageCtx,
}

#[derive(Template)]
#[template(path = "verify_email.html")]
pub struct VerifyEmailPage {
    pub ctx: PageCtx,
    pub live: bool,
    pub token: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub ctx: PageCtx,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    pub email: String,
    /// Login reports one generic message, never per-field errors.
    pub no_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "login_mfa.html")]
pub struct LoginMfaPage {
    pub ctx: PageCtx,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa_setup.html")]
pub struct MfaSetupPage {
    pub ctx: PageCtx,
    pub required: bool,
    pub role_label: &'static str,
    pub qr_svg: String,
    pub secret_grouped: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub ctx: PageCtx,
    pub codes: Vec<String>,
}

pub struct SessionRow {
    pub device: String,
    pub created: String,
    pub last_seen: String,
    pub current: bool,
}

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub ctx: PageCtx,
    pub user: User,
    pub notice: Option<&'static str>,
    pub errors: FormErrors,
    pub recovery_left: i64,
    pub sessions: Vec<SessionRow>,
    pub tokens: Vec<TokenRow>,
    pub new_token: Option<String>,
    pub can_create_tokens: bool,
}

#[derive(Template)]
#[template(path = "reset_request.html")]
pub struct ResetRequestPage {
    pub ctx: PageCtx,
    pub sent: bool,
    pub email: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "reset_confirm.html")]
pub struct ResetConfirmPage {
    pub ctx: PageCtx,
    pub live: bool,
    pub token: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "crisis.html")]
pub struct CrisisPage {
    pub ctx: PageCtx,
    pub lines: &'static [(&'static str, &'static str, &'static str)],
}

pub struct AdminUserRow {
    pub name: String,
    pub role: &'static str,
    pub verified: &'static str,
    pub mfa: &'static str,
    pub joined: String,
}

pub struct AdminEventRow {
    pub at: String,
    pub kind: String,
    pub user: String,
    pub ip: String,
    pub request_id: String,
}

pub struct GrantRow {
    pub id: String,
    pub sentence: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage {
    pub ctx: PageCtx,
    pub notice: Option<&'static str>,
    pub errors: FormErrors,
    pub grants: Vec<GrantRow>,
    pub user_count: i64,
    pub users: Vec<AdminUserRow>,
    pub events: Vec<AdminEventRow>,
}

#[derive(Template)]
#[template(path = "privacy.html")]
pub struct PrivacyPage {
    pub ctx: PageCtx,
    pub entries: Vec<crate::privacy::AccessEntry>,
    pub emergencies: Vec<crate::privacy::AccessEntry>,
    pub plan: crate::erasure::ErasurePlan,
    pub errors: FormErrors,
    pub grants: Vec<String>,
}

/// Renders a template into an HTML response.
pub fn render(t: &impl Template) -> crate::error::AppResult<axum::response::Html<String>> {
    t.render()
        .map(axum::response::Html)
        .map_err(|e| crate::error::AppError::Internal(e.into()))
}
