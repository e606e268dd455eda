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

impl Store {
    pub async fn create_emergency_grant(
        &self,
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
        .execute(self.pool())
        .await?;
        Ok(g)
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

    /// Ends a grant early; only the admin who holds it (or any admin) may.
    pub async fn end_emergency_grant(&self, id: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE emergency_grants SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL",
        )
        .bind(id)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
