//! Emergency ("break-glass") grants: who, for which client, why, until when.

use crate::{now_ms, Result, Store};
use rapport_core::UserId;

/// A grant as stored. The reason may be clinical: it is sealed under the operator's data
/// key (table `emergency_grants`, the grant's id, field `reason`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EmergencyGrant {
    pub id: String,
    pub admin_id: String,
    pub client_id: String,
    /// Always set by Rapport; `None` only if someone emptied it in the database (which
    /// verification reports, as for any other change to a grant).
    pub reason_sealed: Option<Vec<u8>>,
    pub created_at: i64,
    pub expires_at: i64,
    pub ended_at: Option<i64>,
}

const COLUMNS: &str = "id, admin_id, client_id, reason_sealed, created_at, expires_at, ended_at";

/// A grant about to be made: its id (which the sealed reason is bound to) and reason.
pub struct NewGrant<'a> {
    pub id: &'a str,
    pub admin: &'a UserId,
    pub client: &'a UserId,
    pub reason_sealed: Vec<u8>,
    pub minutes: i64,
}

/// Stores a grant inside the caller's transaction (which also logs it in the access chain).
pub async fn create_in(conn: &mut crate::Conn, new: NewGrant<'_>) -> Result<EmergencyGrant> {
    let now = now_ms();
    let g = EmergencyGrant {
        id: new.id.to_string(),
        admin_id: new.admin.to_string(),
        client_id: new.client.to_string(),
        reason_sealed: Some(new.reason_sealed),
        created_at: now,
        expires_at: now + new.minutes * 60_000,
        ended_at: None,
    };
    sqlx::query(&format!(
        "INSERT INTO emergency_grants (reason, {COLUMNS}) VALUES ('', $1, $2, $3, $4, $5, $6, NULL)"
    ))
    .bind(&g.id)
    .bind(&g.admin_id)
    .bind(&g.client_id)
    .bind(&g.reason_sealed)
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
            hex::encode(self.reason_sealed.as_deref().unwrap_or_default()),
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
