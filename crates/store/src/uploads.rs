//! Stored uploads: therapists' photos (already re-encoded) and sealed license evidence.

use crate::{now_ms, Result, Store};
use rapport_core::UserId;

impl Store {
    pub async fn save_photo(&self, user: &UserId, png: &[u8]) -> Result<()> {
        sqlx::query(
            "INSERT INTO therapist_photos (user_id, png, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET png = $2, updated_at = $3",
        )
        .bind(user.as_str())
        .bind(png)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn photo(&self, user: &UserId) -> Result<Option<Vec<u8>>> {
        let row: Option<(Vec<u8>,)> =
            sqlx::query_as("SELECT png FROM therapist_photos WHERE user_id = $1")
                .bind(user.as_str())
                .fetch_optional(self.pool())
                .await?;
        Ok(row.map(|(p,)| p))
    }

    /// Stores sealed evidence for a license, within the caller's transaction (the vault
    /// sealed it in the same one).
    pub async fn save_evidence(
        &self,
        conn: &mut sqlx::AnyConnection,
        license: &str,
        content_type: &str,
        sealed: &[u8],
        size: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO license_evidence (license_id, content_type, sealed, size, uploaded_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (license_id) DO UPDATE SET content_type = $2, sealed = $3, size = $4, uploaded_at = $5",
        )
        .bind(license)
        .bind(content_type)
        .bind(sealed)
        .bind(size)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// (content type, sealed bytes) of a license's evidence.
    pub async fn evidence(&self, license: &str) -> Result<Option<(String, Vec<u8>)>> {
        Ok(sqlx::query_as(
            "SELECT content_type, sealed FROM license_evidence WHERE license_id = $1",
        )
        .bind(license)
        .fetch_optional(self.pool())
        .await?)
    }
}
