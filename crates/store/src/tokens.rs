//! Personal API tokens (bearer) and single-use account tokens (e-mail verification,
//! password reset). Only SHA-256 hashes of the secrets are stored.

use crate::users::{User, UserRow};
use crate::{new_id, now_ms, Result, Store, StoreError};
use rapport_core::{TokenId, UserId};

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: TokenId,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// When it stops working (milliseconds since the epoch).
    pub expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct TokenUserRow {
    token_id: String,
    token_last_used_at: Option<i64>,
    #[sqlx(flatten)]
    user: UserRow,
}

/// id, name, created, last used, expires.
type TokenListRow = (String, String, i64, Option<i64>, Option<i64>);

/// What a single-use account token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
        }
    }
}

impl Store {
    /// A token that works for `valid_ms` from now.
    pub async fn create_api_token(
        &self,
        user: &UserId,
        name: &str,
        token_hash: &str,
        valid_ms: i64,
    ) -> Result<ApiToken> {
        let id = new_id();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(user.as_str())
        .bind(name)
        .bind(token_hash)
        .bind(now)
        .bind(now + valid_ms)
        .execute(self.pool())
        .await?;
        Ok(ApiToken {
            id: TokenId(id),
            name: name.to_string(),
            created_at: now,
            last_used_at: None,
            expires_at: now + valid_ms,
        })
    }

    /// The live bearer token and its owner in one query, recording its use at most once
    /// a minute so that hot API paths do not write (and take SQLite's write lock) per call.
    pub async fn api_token_owner(
        &self,
        token_hash: &str,
    ) -> Result<Option<(TokenId, User, crate::sessions::Authenticated)>> {
        let row: Option<TokenUserRow> = sqlx::query_as(&format!(
            "SELECT t.id AS token_id, t.last_used_at AS token_last_used_at, {} \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 \
             AND u.erased_at IS NULL",
            crate::users::USER_COLUMNS_U
        ))
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let now = now_ms();
        if row.token_last_used_at.is_none_or(|t| now - t > 60_000) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                .bind(&row.token_id)
                .bind(now)
                .execute(self.pool())
                .await?;
        }
        let user = User::from(row.user);
        let proof = crate::sessions::Authenticated::of(&user);
        Ok(Some((TokenId(row.token_id), user, proof)))
    }

    pub async fn api_tokens(&self, user: &UserId) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenListRow> = sqlx::query_as(
            "SELECT id, name, created_at, last_used_at, expires_at FROM api_tokens \
             WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC",
        )
        .bind(user.as_str())
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, name, created_at, last_used_at, expires_at)| ApiToken {
                    id: TokenId(id),
                    name,
                    created_at,
                    last_used_at,
                    expires_at: expires_at.unwrap_or(created_at),
                },
            )
            .collect())
    }

    /// Revokes a token only if `owner` owns it: another user's id is simply not found.
    pub async fn revoke_api_token(&self, owner: &UserId, id: &TokenId) -> Result<()> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
        )
        .bind(id.as_str())
        .bind(owner.as_str())
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Revokes every API token of a user (password reset or change, sign out everywhere).
    pub async fn revoke_user_api_tokens(&self, user: &UserId) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(user.as_str())
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Owner of an API token by id, for the one place that checks object ownership.
    pub async fn api_token_owner_by_id(&self, id: &TokenId) -> Result<Option<UserId>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT user_id FROM api_tokens WHERE id = $1 AND revoked_at IS NULL")
                .bind(id.as_str())
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(u,)| UserId(u)))
    }

    /// Issues a single-use token; earlier unused tokens of the same purpose stop working.
    pub async fn issue_account_token(
        &self,
        user: &UserId,
        purpose: TokenPurpose,
        token_hash: &str,
        valid_for_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE account_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
        )
        .bind(user.as_str())
        .bind(purpose.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user.as_str())
        .bind(purpose.as_str())
        .bind(now)
        .bind(now + valid_for_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Spends a single-use token atomically; `None` if unknown, used, expired or for
    /// another purpose. Two concurrent uses cannot both succeed.
    pub async fn consume_account_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
    ) -> Result<Option<UserId>> {
        let now = now_ms();
        let row: Option<(String,)> = sqlx::query_as(
            "UPDATE account_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3 RETURNING user_id",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(u,)| UserId(u)))
    }

    /// Checks a token without spending it (to show a form only for a live link).
    pub async fn account_token_live(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
    ) -> Result<bool> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT user_id FROM account_tokens WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now_ms())
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some())
    }
}
