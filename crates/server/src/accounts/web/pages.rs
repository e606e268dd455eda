//! The templates of accounts' pages and the notices shown after a redirect.

use crate::platform::layout::{FormErrors, PageCtx};
use askama::Template;
use rapport_store::users::User;

/// Short, fixed notices shown after a redirect. Only codes travel in the URL, never text
/// a person typed.
pub fn notice(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "verified" => "Your e-mail address is confirmed. Log in to continue.",
        "password-reset" => "Your password was changed. Log in with your new password.",
        "signed-out" => "You are signed out.",
        "signed-out-everywhere" => "You are signed out on every device.",
        "profile-saved" => "Saved.",
        "password-changed" => "Your password was changed and your other devices were signed out.",
        "mfa-on" => "Two-step verification is on.",
        "mfa-off" => "Two-step verification is off.",
        "token-revoked" => "The token was revoked.",
        _ => return None,
    })
}

#[derive(Template)]
#[template(path = "accounts/signup.html")]
pub struct SignupPage {
    pub ctx: PageCtx,
    pub errors: FormErrors,
    pub email: String,
    pub display_name: String,
    pub pronouns: String,
    pub time_zone: String,
}

#[derive(Template)]
#[template(path = "accounts/check_email.html")]
pub struct CheckEmailPage {
    pub ctx: PageCtx,
}

#[derive(Template)]
#[template(path = "accounts/verify_email.html")]
pub struct VerifyEmailPage {
    pub ctx: PageCtx,
    pub live: bool,
    pub token: String,
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
pub struct LoginPage {
    pub ctx: PageCtx,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    pub email: String,
    /// Login reports one generic message, never per-field errors.
    pub no_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "accounts/login_mfa.html")]
pub struct LoginMfaPage {
    pub ctx: PageCtx,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/mfa_setup.html")]
pub struct MfaSetupPage {
    pub ctx: PageCtx,
    pub required: bool,
    pub role_label: &'static str,
    pub qr_svg: String,
    pub secret_grouped: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/recovery_codes.html")]
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
    /// "until 1 March 2027", or "expired".
    pub expires: String,
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
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
    pub token_days: u32,
}

#[derive(Template)]
#[template(path = "accounts/reset_request.html")]
pub struct ResetRequestPage {
    pub ctx: PageCtx,
    pub sent: bool,
    pub email: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/reset_confirm.html")]
pub struct ResetConfirmPage {
    pub ctx: PageCtx,
    pub live: bool,
    pub token: String,
    pub error: Option<String>,
}
