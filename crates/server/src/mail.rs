//! E-mail: messages are queued in the database outbox (so a crash loses none) and a
//! background worker delivers them over SMTP with exponential backoff, or writes `.eml`
//! files under the data directory when no SMTP server is configured.
//! Mails carry no clinical content; links are single-use and short-lived.

use crate::error::AppResult;
use crate::state::AppState;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rapport_core::Email;
use rapport_store::outbox::OutgoingMail;
use rapport_store::users::User;
use std::time::Duration;

const SIGNATURE: &str = "\n\n-- Rapport\n\nIf you are in crisis, call or text 988 in the US, or see the crisis lines at the bottom of every Rapport page.";

async fn queue(state: &AppState, to: &str, subject: &str, body: String) -> AppResult<()> {
    state
        .store
        .enqueue_mail(to, subject, &format!("{body}{SIGNATURE}"))
        .await?;
    state.mail_wakeup.notify_one();
    Ok(())
}

pub async fn verify_email(state: &AppState, user: &User, secret: &str) -> AppResult<()> {
    let link = state.config.link(&format!("/verify-email?token={secret}"));
    let body = format!(
        "Hello {name},\n\nPlease confirm that this is your e-mail address by opening this link:\n\n{link}\n\n\
         The link works once and expires in 48 hours. If you did not create a Rapport account, you can ignore this e-mail.",
        name = user.display_name
    );
    queue(state, &user.email, "Confirm your e-mail for Rapport", body).await
}

pub async fn account_exists(state: &AppState, email: &Email, user: Option<&User>) -> AppResult<()> {
    let name = user.map(|u| u.display_name.as_str()).unwrap_or("there");
    let login = state.config.link("/login");
    let reset = state.config.link("/password-reset");
    let body = format!(
        "Hello {name},\n\nSomeone (perhaps you) tried to create a Rapport account with this e-mail address, \
         but you already have one.\n\nLog in: {login}\nForgot your password? {reset}\n\n\
         If this was not you, no action is needed: nothing about your account has changed."
    );
    queue(
        state,
        email.as_str(),
        "You already have a Rapport account",
        body,
    )
    .await
}

pub async fn reset_password(state: &AppState, user: &User, secret: &str) -> AppResult<()> {
    let link = state
        .config
        .link(&format!("/password-reset/confirm?token={secret}"));
    let body = format!(
        "Hello {name},\n\nYou asked to reset your Rapport password. Choose a new one here:\n\n{link}\n\n\
         The link works once and expires in 30 minutes. If you did not ask for this, ignore this e-mail; \
         your password stays as it is.",
        name = user.display_name
    );
    queue(state, &user.email, "Reset your Rapport password", body).await
}

pub async fn password_changed(state: &AppState, user: &User) -> AppResult<()> {
    let reset = state.config.link("/password-reset");
    let body = format!(
        "Hello {name},\n\nThe password for your Rapport account was just changed, and your other sessions were signed out.\n\n\
         If this was not you, reset your password now: {reset}",
        name = user.display_name
    );
    queue(
        state,
        &user.email,
        "Your Rapport password was changed",
        body,
    )
    .await
}

pub async fn mfa_enabled(state: &AppState, user: &User) -> AppResult<()> {
    let body = format!(
        "Hello {name},\n\nTwo-step verification is now on for your Rapport account. Keep your recovery codes somewhere safe.\n\n\
         If this was not you, reset your password and contact your practice.",
        name = user.display_name
    );
    queue(state, &user.email, "Two-step verification is on", body).await
}

pub async fn emergency_access_client(
    state: &AppState,
    client: &User,
    admin_name: &str,
    until: &str,
) -> AppResult<()> {
    let link = state.config.link("/privacy");
    let body = format!(
        "Hello {name},\n\nAn administrator, {admin_name}, has been given emergency access to your records until {until}.\n\n\
         Sign in to see the reason they gave and everything they open, on your privacy page: {link}\n\n\
         If you have questions, contact your therapist or the practice.",
        name = client.display_name
    );
    queue(
        state,
        &client.email,
        "Emergency access to your Rapport records",
        body,
    )
    .await
}

pub async fn emergency_access_therapist(
    state: &AppState,
    therapist: &User,
    client_name: &str,
    admin_name: &str,
) -> AppResult<()> {
    let body = format!(
        "Hello {name},\n\nAn administrator, {admin_name}, has been given emergency access to the records of one of your clients, {client_name}.\n\n\
         The reason is kept in Rapport, not in e-mail, because it may be clinical. The client has been told. Every access is recorded in the client's access log.",
        name = therapist.display_name
    );
    queue(
        state,
        &therapist.email,
        "Emergency access to a client's records",
        body,
    )
    .await
}

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

fn build(state: &AppState, m: &OutgoingMail) -> anyhow::Result<Message> {
    let from: Mailbox = state.config.mail_from.parse()?;
    let to: Mailbox = m.to_addr.parse()?;
    Ok(Message::builder()
        .from(from)
        .to(to)
        .subject(&m.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(m.body_text.clone())?)
}

enum Sender {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(std::path::PathBuf),
}

impl Sender {
    fn new(state: &AppState) -> anyhow::Result<Self> {
        Ok(match &state.config.smtp_url {
            Some(url) => Sender::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => Sender::Files(state.config.mail_dir()),
        })
    }

    async fn send(&self, message: Message, id: &str) -> anyhow::Result<()> {
        match self {
            Sender::Smtp(t) => {
                t.send(message).await?;
            }
            Sender::Files(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                tokio::fs::write(dir.join(format!("{id}.eml")), message.formatted()).await?;
            }
        }
        Ok(())
    }
}

/// Retry delay after `attempts` failures: 15 s doubling to at most an hour.
pub fn backoff(attempts: i64) -> Duration {
    let secs = 15u64.saturating_mul(1u64 << attempts.clamp(0, 8));
    Duration::from_secs(secs.min(3600))
}

pub const GIVE_UP_AFTER: i64 = 12;

/// Sends what is due once; returns how many were delivered.
pub async fn deliver_due(state: &AppState) -> anyhow::Result<usize> {
    let sender = Sender::new(state)?;
    let due = state.store.claim_due_mail(20, 120_000).await?;
    let mut sent = 0;
    for m in due {
        let result = match build(state, &m) {
            Ok(msg) => sender.send(msg, &m.id).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                state.store.mark_mail_sent(&m.id).await?;
                sent += 1;
            }
            Err(e) => {
                // The error names hosts and SMTP codes, never the message body.
                tracing::warn!(mail_id = %m.id, attempts = m.attempts + 1, error = %e, "mail delivery failed");
                let delay = backoff(m.attempts).as_millis() as i64;
                state
                    .store
                    .mark_mail_failed(&m.id, &e.to_string(), delay, GIVE_UP_AFTER)
                    .await?;
            }
        }
    }
    Ok(sent)
}

/// The background worker: delivers due mail whenever woken or every poll interval,
/// until `shutdown` resolves.
pub async fn run_worker(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = deliver_due(&state).await {
            tracing::error!(error = %e, "mail worker error");
        }
        tokio::select! {
            _ = state.mail_wakeup.notified() => {}
            _ = tokio::time::sleep(state.config.mail_poll) => {}
            _ = shutdown.changed() => break,
        }
    }
}

/// The two people of an appointment, each with the other's name and their own zone.
async fn parties(
    state: &AppState,
    a: &rapport_store::schedule::Appointment,
) -> AppResult<Vec<(User, String)>> {
    let mut out = Vec::new();
    for (id, other) in [
        (&a.client_id, &a.therapist_name),
        (&a.therapist_id, &a.client_name),
    ] {
        if let Some(u) = state.store.user(&rapport_core::UserId(id.clone())).await? {
            if u.erased_at.is_none() {
                out.push((u, other.clone()));
            }
        }
    }
    Ok(out)
}

fn when(u: &User, ms: i64) -> String {
    rapport_core::schedule::zone::label(rapport_core::time::from_millis(ms), u.time_zone().tz())
}

/// Sent to both sides when a session (or a weekly series) is booked.
pub async fn appointment_booked(
    state: &AppState,
    a: &rapport_store::schedule::Appointment,
    weeks: usize,
) -> AppResult<()> {
    let link = crate::scheduling::join_link(state, &a.id);
    let policy = crate::scheduling::policy_of(a).text();
    for (u, other) in parties(state, a).await? {
        let series = if weeks > 1 {
            format!(" It is the first of {weeks} weekly sessions at this time.")
        } else {
            String::new()
        };
        let body = format!(
            "Hello {name},\n\nA therapy session with {other} is booked for {at}.{series}\n\n\
             Join, move or cancel it here: {link}\n\n{policy}",
            name = u.display_name,
            at = when(&u, a.starts_at),
        );
        queue(state, &u.email, "Therapy session booked", body).await?;
    }
    Ok(())
}

/// Sent to both sides when a session is moved (so each has the new time in writing).
pub async fn appointment_moved(
    state: &AppState,
    a: &rapport_store::schedule::Appointment,
    by: rapport_core::schedule::Party,
    from: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let link = crate::scheduling::join_link(state, &a.id);
    for (u, other) in parties(state, a).await? {
        let body = format!(
            "Hello {name},\n\nYour therapy session with {other} has moved from {old} to {new} ({who}).\n\nDetails: {link}",
            name = u.display_name,
            old = when(&u, rapport_core::time::to_millis(from)),
            new = when(&u, a.starts_at),
            who = match by {
                rapport_core::schedule::Party::Client => "moved by the client",
                rapport_core::schedule::Party::Therapist => "moved by the therapist",
            },
        );
        queue(state, &u.email, "Therapy session moved", body).await?;
    }
    Ok(())
}

/// Sent to both sides when a session is cancelled.
pub async fn appointment_cancelled(
    state: &AppState,
    a: &rapport_store::schedule::Appointment,
    by: rapport_core::schedule::Party,
    late: bool,
) -> AppResult<()> {
    for (u, other) in parties(state, a).await? {
        let late_note = if late {
            " The cancellation came after the free-cancellation deadline, so it is recorded as late."
        } else {
            ""
        };
        let body = format!(
            "Hello {name},\n\nThe therapy session with {other} on {at} was cancelled by the {who}.{late_note}\n\n\
             You can book another time from the therapist's profile: {link}",
            name = u.display_name,
            at = when(&u, a.starts_at),
            who = by.as_str(),
            link = state.config.link(&format!("/therapists/{}", a.therapist_id)),
        );
        queue(state, &u.email, "Therapy session cancelled", body).await?;
    }
    Ok(())
}

/// A reminder to both sides before a session.
pub async fn appointment_reminder(
    state: &AppState,
    a: &rapport_store::schedule::Appointment,
) -> AppResult<()> {
    let link = crate::scheduling::join_link(state, &a.id);
    for (u, other) in parties(state, a).await? {
        let body = format!(
            "Hello {name},\n\nA reminder: your therapy session with {other} is at {at}.\n\n\
             Join here when it is time (from 15 minutes before): {link}",
            name = u.display_name,
            at = when(&u, a.starts_at),
        );
        queue(state, &u.email, "Reminder: therapy session", body).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(0), Duration::from_secs(15));
        assert_eq!(backoff(1), Duration::from_secs(30));
        assert_eq!(backoff(20), Duration::from_secs(3600));
    }
}
