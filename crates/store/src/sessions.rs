//! Server-side login sessions. Only the SHA-256 of the cookie token is stored, so a copy
//! of the database cannot be used to log in.

use crate::{new_id, now_ms, Result, Store};
use rapport_core::{SessionId, UserId};

/// How far a session has authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionLevel {
    /// Password accepted; the account has TOTP and the code has not been given yet.
    PendingMfa,
    /// Password accepted; the account has no second factor.
    Password,
    /// Password and a second factor accepted.
    Mfa,
}

impl SessionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionLevel::PendingMfa => "pending_mfa",
            SessionLevel::Password => "password",
            SessionLevel::Mfa => "mfa",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "mfa" => SessionLevel::Mfa,
            "password" => SessionLevel::Password,
            _ => SessionLevel::PendingMfa,
        }
    }
}

/// Proof that a person signed in: made only inside the store, from a live session or a
/// live API token that it just looked up. The vault takes its access contexts from this,
/// so no code can claim to be someone it has not authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    user: UserId,
    role: rapport_core::Role,
}

impl Authenticated {
    pub(crate) fn of(user: &crate::users::User) -> Self {
        Self {
            user: user.id.clone(),
            role: user.role,
        }
    }

    pub fn user(&self) -> &UserId {
        &self.user
    }

    pub fn role(&self) -> rapport_core::Role {
        self.role
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Session {
    pub id: SessionId,
    #[serde(skip)]
    pub user_id: UserId,
    pub level: SessionLevel,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub idle_timeout_ms: i64,
    pub absolute_expires_at: i64,
    pub user_agent: Option<String>,
}

impl Session {
    pub fn expires_at(&self) -> i64 {
        (self.last_seen_at + self.idle_timeout_ms).min(self.absolute_expires_at)
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    user_id: String,
    level: String,
    created_at: i64,
    last_seen_at: i64,
    idle_timeout_ms: i64,
    absolute_expires_at: i64,
    user_agent: Option<String>,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Self {
        Session {
            id: SessionId(r.id),
            user_id: UserId(r.user_id),
            level: SessionLevel::parse(&r.level),
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            idle_timeout_ms: r.idle_timeout_ms,
            absolute_expires_at: r.absolute_expires_at,
            user_agent: r.user_agent,
        }
    }
}

const COLUMNS: &str = "id, user_id, level, created_at, last_seen_at, idle_timeout_ms, \
                       absolute_expires_at, user_agent";

pub struct NewSession<'a> {
    pub user_id: &'a UserId,
    pub token_hash: &'a str,
    pub level: SessionLevel,
    pub idle_timeout_ms: i64,
    pub absolute_timeout_ms: i64,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
}

/// Sessions are touched at most this often, so that reads do not each become a write.
const TOUCH_EVERY_MS: i64 = 30_000;

impl Store {
    pub async fn create_session(&self, new: NewSession<'_>) -> Result<SessionId> {
        let now = now_ms();
        let id = new_id();
        let ua: Option<String> = new.user_agent.map(|s| s.chars().take(200).collect());
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, user_id, level, created_at, last_seen_at, \
             idle_timeout_ms, absolute_expires_at, user_agent, ip) \
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(new.token_hash)
        .bind(new.user_id.as_str())
        .bind(new.level.as_str())
        .bind(now)
        .bind(new.idle_timeout_ms)
        .bind(now + new.absolute_timeout_ms)
        .bind(ua)
        .bind(new.ip)
        .execute(self.pool())
        .await?;
        Ok(SessionId(id))
    }

    /// The person behind a live session: the session, their account, and the proof.
    pub async fn session_person(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Session, crate::users::User, Authenticated)>> {
        let Some(session) = self.live_session(token_hash).await? else {
            return Ok(None);
        };
        let Some(user) = self.user(&session.user_id).await? else {
            return Ok(None);
        };
        let proof = Authenticated::of(&user);
        Ok(Some((session, user, proof)))
    }

    /// The live session for a token hash: not revoked, not idle too long, not past its end.
    pub async fn live_session(&self, token_hash: &str) -> Result<Option<Session>> {
        let now = now_ms();
        let row: Option<SessionRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE token_hash = $1 AND revoked_at IS NULL \
             AND last_seen_at + idle_timeout_ms > $2 AND absolute_expires_at > $2"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        let Some(session) = row.map(Session::from) else {
            return Ok(None);
        };
        if now - session.last_seen_at > TOUCH_EVERY_MS {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
                .bind(session.id.as_str())
                .bind(now)
                .execute(self.pool())
                .await?;
        }
        Ok(Some(session))
    }

    /// Gives a session a new token and level (at MFA step-up), so a token seen before the
    /// step-up cannot ride on it.
    pub async fn rotate_session(
        &self,
        id: &SessionId,
        new_token_hash: &str,
        level: SessionLevel,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE sessions SET token_hash = $2, level = $3, last_seen_at = $4 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id.as_str())
        .bind(new_token_hash)
        .bind(level.as_str())
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn revoke_session(&self, id: &SessionId) -> Result<()> {
        sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id.as_str())
            .bind(now_ms())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Revokes all of a user's sessions, except `keep` if given; returns how many ended.
    pub async fn revoke_user_sessions(
        &self,
        user: &UserId,
        keep: Option<&SessionId>,
    ) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL \
             AND id <> $3",
        )
        .bind(user.as_str())
        .bind(now_ms())
        .bind(keep.map(|k| k.as_str()).unwrap_or(""))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    pub async fn user_sessions(&self, user: &UserId) -> Result<Vec<Session>> {
        let now = now_ms();
        let rows: Vec<SessionRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL \
             AND last_seen_at + idle_timeout_ms > $2 AND absolute_expires_at > $2 \
             ORDER BY last_seen_at DESC"
        ))
        .bind(user.as_str())
        .bind(now)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(Session::from).collect())
    }
}
