//! The mail outbox: features queue their mails here (in the database, so a crash loses
//! none) and a background worker delivers them over SMTP with exponential backoff, or
//! writes `.eml` files under the data directory when no SMTP server is configured.
//! Mails carry no clinical content; links are single-use and short-lived.

use crate::platform::error::AppResult;
use crate::platform::state::AppState;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rapport_store::outbox::OutgoingMail;
use std::time::Duration;

/// The end of every mail: the deployment's own crisis lines (never a fixed number, so a
/// deployment outside the US does not send its clients to a US line).
fn signature(state: &AppState) -> String {
    let lines: Vec<String> = state
        .config
        .crisis_lines
        .iter()
        .map(|l| format!("  {}: {} ({})", l.region, l.contact, l.name))
        .collect();
    format!(
        "\n\n-- Rapport\n\nIf you are in crisis, help is available now:\n{}\nIf you are in immediate danger, call your local emergency number.",
        lines.join("\n")
    )
}

/// Queues a mail for delivery (committed to the outbox before this returns) and wakes
/// the worker. The crisis lines are added to every mail's signature.
pub async fn queue(state: &AppState, to: &str, subject: &str, body: String) -> AppResult<()> {
    let mut tx = state.store.begin_write().await?;
    queue_in(state, &mut tx, to, subject, body).await?;
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    Ok(())
}

/// Queues a mail inside `tx`, so it is sent if and only if the change commits; the caller
/// wakes the worker (`state.mail_wakeup.notify_one()`) after committing.
pub async fn queue_in(
    state: &AppState,
    tx: &mut rapport_store::Tx,
    to: &str,
    subject: &str,
    body: String,
) -> AppResult<()> {
    // The body's links are live one-time tokens: it is stored sealed.
    let id = rapport_store::new_id();
    let body = format!("{body}{}", signature(state));
    let body_sealed = state
        .seal_secret_in(tx, rapport_vault::SecretAt::mail_body(&id), &body)
        .await?;
    let mail = rapport_store::outbox::NewMail {
        id: &id,
        to,
        subject,
        body_sealed,
    };
    rapport_store::outbox::enqueue(tx, mail).await?;
    Ok(())
}

async fn build(state: &AppState, m: &OutgoingMail) -> anyhow::Result<Message> {
    let from: Mailbox = state.config.mail_from.parse()?;
    let to: Mailbox = m.to_addr.parse()?;
    let body = state
        .vault
        .open_secret_now(
            &state.store,
            rapport_vault::SecretAt::mail_body(&m.id),
            &m.body_sealed,
        )
        .await
        .map_err(|e| anyhow::anyhow!("the mail's body does not open: {e}"))?;
    Ok(Message::builder()
        .from(from)
        .to(to)
        .subject(&m.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_string())?)
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
        let result = match build(state, &m).await {
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
