//! The mails of the directory: a license about to expire.

use crate::platform::error::AppResult;
use crate::platform::mail::queue;
use crate::platform::state::AppState;
use rapport_store::users::User;

pub async fn license_expiring(
    state: &AppState,
    therapist: &User,
    l: &rapport_store::directory::License,
    days_left: i64,
) -> AppResult<()> {
    let kind = rapport_core::directory::LicenseType::parse(&l.license_type)
        .map(|t| t.label())
        .unwrap_or("license");
    let link = state.config.link("/therapist/licenses");
    let body = format!(
        "Hello {name},\n\nYour {kind} #{number} expires on {expires} ({days_left} days from today). \
         From that day it no longer counts, and clients where it is your only license will stop seeing you.\n\n\
         Once renewed, add the new license for verification: {link}",
        name = therapist.display_name,
        number = l.number,
        expires = l.expires_on,
    );
    queue(state, &therapist.email, "Your license expires soon", body).await
}
