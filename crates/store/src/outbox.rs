//! The durable mail outbox: a mail is written in the same database as the change that
//! caused it, and a background worker delivers it with retries. Bodies carry live one-time
//! links, so they are stored sealed under the operator's data key (table `outbox`, the
//! mail's id, field `body`) and dropped once sent.

use crate::{now_ms, Result, Store};

#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub id: String,
    pub to_addr: String,
    pub subject: String,
    /// The sealed body (the vault opens it).
    pub body_sealed: Vec<u8>,
    pub attempts: i64,
}

/// A mail to queue; `id` is the one its sealed body is bound to.
pub struct NewMail<'a> {
    pub id: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body_sealed: Vec<u8>,
}

/// Queues a mail inside the caller's transaction: it is sent if, and only if, the change
/// that caused it commits.
pub async fn enqueue(conn: &mut crate::Conn, mail: NewMail<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (id, to_addr, subject, body_sealed, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(mail.id)
    .bind(mail.to)
    .bind(mail.subject)
    .bind(mail.body_sealed)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Claims up to `limit` due mails for `lease_ms`. The claim is a conditional update,
    /// so two workers (or two servers on one PostgreSQL) never send the same mail twice.
    pub async fn claim_due_mail(&self, limit: i64, lease_ms: i64) -> Result<Vec<OutgoingMail>> {
        let now = now_ms();
        let due: Vec<(String, i64)> = sqlx::query_as(
            "SELECT id, next_attempt_at FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL \
             AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut claimed = Vec::new();
        for (id, seen_next) in due {
            let row: Option<(String, String, Option<Vec<u8>>, i64)> = sqlx::query_as(
                "UPDATE outbox SET next_attempt_at = $3 WHERE id = $1 AND next_attempt_at = $2 \
                 AND sent_at IS NULL RETURNING to_addr, subject, body_sealed, attempts",
            )
            .bind(&id)
            .bind(seen_next)
            .bind(now + lease_ms)
            .fetch_optional(self.pool())
            .await?;
            if let Some((to_addr, subject, body, attempts)) = row {
                claimed.push(OutgoingMail {
                    id,
                    to_addr,
                    subject,
                    body_sealed: body.unwrap_or_default(),
                    attempts,
                });
            }
        }
        Ok(claimed)
    }

    /// Marks a mail delivered and drops its body: links inside it are single-use secrets
    /// that the database has no reason to keep.
    pub async fn mark_mail_sent(&self, id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET sent_at = $2, body_text = NULL, body_sealed = NULL, attempts = attempts + 1, \
             last_error = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a failed attempt; after `give_up_after` attempts the mail is marked failed.
    pub async fn mark_mail_failed(
        &self,
        id: &str,
        error: &str,
        retry_in_ms: i64,
        give_up_after: i64,
    ) -> Result<()> {
        let now = now_ms();
        let error: String = error.chars().take(500).collect();
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, \
             failed_at = CASE WHEN attempts + 1 >= $4 THEN $5 ELSE NULL END WHERE id = $1",
        )
        .bind(id)
        .bind(error)
        .bind(now + retry_in_ms)
        .bind(give_up_after)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// (pending, sent, failed) counts, for metrics and tests.
    pub async fn outbox_counts(&self) -> Result<(i64, i64, i64)> {
        let row: (i64, i64, i64) = sqlx::query_as(
            "SELECT \
             COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM outbox",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(row)
    }
}
