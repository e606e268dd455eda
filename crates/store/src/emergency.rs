//! Emergency ("break-glass") grants: who, for which client, why, until when.

use crate::{new_id, now_ms, Result, Store};
use rapport_core::UserId;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct EmergencyGrant {
    pub id: String,
    pub admin_id: String,
    pub client_id: String,
    pub reason: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub ended_at: Option<i64>,
}

const COLUMNS: &str = "id, admin_id, client_id, reason, created_at, expires_at, ended_at";

/// Stores a grant inside the caller's transaction (which also logs it in the access chain).
pub async fn create_in(
    conn: &mut crate::Conn,
    admin: &UserId,
    client: &UserId,
    reason: &str,
    minutes: i64,
) -> Result<EmergencyGrant> {
    let now = now_ms();
    let g = EmergencyGrant {
        id: new_id(),
        admin_id: admin.to_string(),
        client_id: client.to_string(),
        reason: reason.into(),
        created_at: now,
        expires_at: now + minutes * 60_000,
        ended_at: None,
    };
    sqlx::query(&format!(
        "INSERT INTO emergency_grants ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL)"
    ))
    .bind(&g.id)
    .bind(&g.admin_id)
    .bind(&g.client_id)
    .bind(&g.reason)
    .bind(g.created_at)
    .bind(g.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(g)
}

/// Ends a live grant inside the caller's transaction; the grant as ended, or `None` if it
/// had already ended (or never existed).
pub async fn end_in(conn: &mut crate::Conn, id: &str) -> Result<Option<EmergencyGrant>> {
    let done =
        sqlx::query("UPDATE emergency_grants SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL")
            .bind(id)
            .bind(now_ms())
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM emergency_grants WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

impl EmergencyGrant {
    /// A fingerprint of the grant as it was made, which its access event carries: a grant
    /// edited or made without an event no longer matches the chain.
    pub fn made_digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let canonical = serde_json::json!([
            self.id,
            self.admin_id,
            self.client_id,
            self.reason,
            self.created_at,
            self.expires_at
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }

    /// The same for its ending.
    pub fn ended_digest(&self) -> Option<String> {
        use sha2::{Digest, Sha256};
        let ended = self.ended_at?;
        let canonical = serde_json::json!([self.id, ended]);
        Some(hex::encode(Sha256::digest(
            canonical.to_string().as_bytes(),
        )))
    }
}

impl Store {
    /// Every grant ever made, for verifying them against the access chain.
    pub async fn all_emergency_grants(&self) -> Result<Vec<EmergencyGrant>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM emergency_grants ORDER BY created_at"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn emergency_grants_for_client(
        &self,
        client: &UserId,
    ) -> Result<Vec<EmergencyGrant>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM emergency_grants WHERE client_id = $1 ORDER BY created_at DESC"
        ))
        .bind(client.as_str())
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn live_emergency_grants(&self) -> Result<Vec<EmergencyGrant>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM emergency_grants WHERE ended_at IS NULL AND expires_at > $1 ORDER BY created_at DESC"
        ))
        .bind(now_ms())
        .fetch_all(self.pool())
        .await?)
    }
}
