//! Brute-force protection for login: recent failures are counted per account (by a hash
//! of the e-mail, so unknown addresses are throttled alike) and per client address.

use crate::platform::state::AppState;
use rapport_store::Result;

/// Failures allowed per account within the window before it is locked for the window.
pub const ACCOUNT_LIMIT: i64 = 5;
/// Failures allowed from one address within the window (many accounts, one attacker).
pub const ADDRESS_LIMIT: i64 = 30;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;

pub const LOCKED_MESSAGE: &str =
    "Too many sign-in attempts. Wait 15 minutes, or reset your password by e-mail.";

/// The key login attempts are counted under for an e-mail address.
pub fn account_key(email: &str) -> String {
    rapport_store::token_hash(&format!("login:{}", email.trim().to_lowercase()))
}

/// Begins an attempt if the account and the address are under their limits (the attempt
/// counts as a failure until settled); `None` when locked. Checking the limit and counting
/// the attempt are one step, so concurrent guesses cannot slip past the limit.
pub async fn begin(state: &AppState, account: &str, ip: &str) -> Result<Option<String>> {
    state
        .store
        .begin_login_attempt(account, ip, WINDOW_MS, ACCOUNT_LIMIT, ADDRESS_LIMIT)
        .await
}

/// Mails anyone may cause without signing in, per recipient within the window.
pub const MAILS_PER_RECIPIENT: i64 = 3;
/// The same, per client address (one sender, many recipients).
pub const MAILS_PER_ADDRESS: i64 = 20;
pub const MAIL_WINDOW_MS: i64 = 60 * 60 * 1000;

/// Whether an anonymous request may cause a mail to `email` now (and counts it if so).
/// Over the limit the caller answers as usual and sends nothing, so the answer reveals
/// neither the limit nor whether the address has an account.
pub async fn may_mail(state: &AppState, email: &str, ip: &str) -> Result<bool> {
    let target = rapport_store::token_hash(&format!("mail:{}", email.trim().to_lowercase()));
    state
        .store
        .take_mail_budget(
            &target,
            ip,
            MAIL_WINDOW_MS,
            MAILS_PER_RECIPIENT,
            MAILS_PER_ADDRESS,
        )
        .await
}
