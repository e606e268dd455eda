//! Security events (logins, password changes, MFA changes) and the login-attempt ledger
//! behind brute-force protection. Nothing secret is stored here: e-mails are hashed.

use crate::{new_id, now_ms, Result, Store};
use rapport_core::UserId;

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct SecurityEvent {
    pub id: String,
    pub user_id: Option<String>,
    pub kind: String,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub at: i64,
}

/// Counts of recent failed logins, for throttling.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailureCounts {
    pub for_account: i64,
    pub for_address: i64,
}

impl Store {
    pub async fn record_security_event(
        &self,
        user: Option<&UserId>,
        kind: &str,
        ip: Option<&str>,
        request_id: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO security_events (id, user_id, kind, ip, request_id, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(user.map(|u| u.as_str()))
        .bind(kind)
        .bind(ip)
        .bind(request_id)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Most recent events, optionally for one user.
    pub async fn security_events(
        &self,
        user: Option<&UserId>,
        limit: i64,
    ) -> Result<Vec<SecurityEvent>> {
        Ok(sqlx::query_as(
            "SELECT id, user_id, kind, ip, request_id, at FROM security_events \
             WHERE ($1 = '' OR user_id = $1) ORDER BY at DESC, id LIMIT $2",
        )
        .bind(user.map(|u| u.as_str()).unwrap_or(""))
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn record_login_attempt(&self, email_hash: &str, ip: &str, ok: bool) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_attempts (id, email_hash, ip, at, succeeded) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(new_id())
        .bind(email_hash)
        .bind(ip)
        .bind(now_ms())
        .bind(ok as i64)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Failures within `window_ms`: for the account, only those since its last success.
    pub async fn recent_login_failures(
        &self,
        email_hash: &str,
        ip: &str,
        window_ms: i64,
    ) -> Result<FailureCounts> {
        let since = now_ms() - window_ms;
        let (for_account,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM login_attempts WHERE email_hash = $1 AND at > $2 AND succeeded = 0 \
             AND at > COALESCE((SELECT MAX(at) FROM login_attempts WHERE email_hash = $1 AND succeeded = 1), 0)",
        )
        .bind(email_hash)
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        let (for_address,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM login_attempts WHERE ip = $1 AND at > $2 AND succeeded = 0",
        )
        .bind(ip)
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        Ok(FailureCounts {
            for_account,
            for_address,
        })
    }

    /// Forgets attempts older than `older_than_ms`; the ledger only needs a short memory.
    pub async fn prune_login_attempts(&self, older_than_ms: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM login_attempts WHERE at < $1")
            .bind(now_ms() - older_than_ms)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
