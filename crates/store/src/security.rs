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

    /// Starts a login (or second-factor) attempt as one atomic step: unless the account or
    /// the address is over its limit of failures within `window_ms`, an attempt is
    /// recorded *as a failure* before any password is checked, and its id returned; the
    /// caller then settles it with [`Store::settle_login_attempt`]. Concurrent attempts take
    /// turns on the account's and the address's guard rows, so 40 parallel guesses get
    /// exactly the limit, not more. `None`: locked.
    pub async fn begin_login_attempt(
        &self,
        email_hash: &str,
        ip: &str,
        window_ms: i64,
        account_limit: i64,
        address_limit: i64,
    ) -> Result<Option<String>> {
        let now = now_ms();
        let since = now - window_ms;
        let mut tx = self.begin_write().await?;
        for key in [format!("account:{email_hash}"), format!("address:{ip}")] {
            sqlx::query(
                "INSERT INTO login_guards (key, touched) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET touched = excluded.touched",
            )
            .bind(&key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let (for_account,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM login_attempts WHERE email_hash = $1 AND at > $2 AND succeeded = 0 \
             AND at > COALESCE((SELECT MAX(at) FROM login_attempts WHERE email_hash = $1 AND succeeded = 1), 0)",
        )
        .bind(email_hash)
        .bind(since)
        .fetch_one(&mut *tx)
        .await?;
        let (for_address,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM login_attempts WHERE ip = $1 AND at > $2 AND succeeded = 0",
        )
        .bind(ip)
        .bind(since)
        .fetch_one(&mut *tx)
        .await?;
        if for_account >= account_limit || for_address >= address_limit {
            return Ok(None);
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO login_attempts (id, email_hash, ip, at, succeeded) VALUES ($1, $2, $3, $4, 0)",
        )
        .bind(&id)
        .bind(email_hash)
        .bind(ip)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Settles an attempt begun with [`Store::begin_login_attempt`]: `Some(true)` a
    /// success (which resets the account's count), `Some(false)` a failure (as recorded),
    /// `None` neither (a right password still owing its second factor: it neither counts
    /// against the account nor resets it).
    pub async fn settle_login_attempt(&self, id: &str, outcome: Option<bool>) -> Result<()> {
        match outcome {
            Some(false) => {}
            Some(true) => {
                sqlx::query("UPDATE login_attempts SET succeeded = 1, at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(now_ms())
                    .execute(self.pool())
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM login_attempts WHERE id = $1")
                    .bind(id)
                    .execute(self.pool())
                    .await?;
            }
        }
        Ok(())
    }

    /// Takes one unit of the budget for a mail anyone may cause without signing in: true
    /// (and counted) unless the recipient has had `per_target` such mails, or the client
    /// address has caused `per_address`, within `window_ms`. Check and count are one step.
    pub async fn take_mail_budget(
        &self,
        target_hash: &str,
        ip: &str,
        window_ms: i64,
        per_target: i64,
        per_address: i64,
    ) -> Result<bool> {
        let now = now_ms();
        let since = now - window_ms;
        let mut tx = self.begin_write().await?;
        for key in [format!("mail-to:{target_hash}"), format!("mail-from:{ip}")] {
            sqlx::query(
                "INSERT INTO login_guards (key, touched) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET touched = excluded.touched",
            )
            .bind(&key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let (to_target,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM mail_sends WHERE target_hash = $1 AND at > $2")
                .bind(target_hash)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
        let (from_address,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM mail_sends WHERE ip = $1 AND at > $2")
                .bind(ip)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
        if to_target >= per_target || from_address >= per_address {
            return Ok(false);
        }
        sqlx::query("INSERT INTO mail_sends (id, target_hash, ip, at) VALUES ($1, $2, $3, $4)")
            .bind(new_id())
            .bind(target_hash)
            .bind(ip)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Forgets attempts older than `older_than_ms`; the ledger only needs a short memory.
    pub async fn prune_login_attempts(&self, older_than_ms: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM login_attempts WHERE at < $1")
            .bind(now_ms() - older_than_ms)
            .execute(self.pool())
            .await?;
        sqlx::query("DELETE FROM mail_sends WHERE at < $1")
            .bind(now_ms() - older_than_ms)
            .execute(self.pool())
            .await?;
        sqlx::query("DELETE FROM login_guards WHERE touched < $1")
            .bind(now_ms() - older_than_ms)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
