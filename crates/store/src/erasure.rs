//! Erasing a client: personal data goes at once; clinical records the law makes the
//! therapist keep stay (sealed) until the retention period ends.

use crate::{now_ms, Result, Store};
use rapport_core::UserId;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ErasureRequest {
    pub client_id: String,
    pub requested_at: i64,
    pub destroy_after: i64,
    pub destroyed_at: Option<i64>,
}

impl Store {
    /// Removes everything personal that is not clinical record, in one transaction, and
    /// records when the retained records are to be destroyed.
    pub async fn erase_personal_data(&self, client: &UserId, destroy_after: i64) -> Result<()> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let id = client.as_str();
        let (address,): (String,) = sqlx::query_as("SELECT email FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let erased = format!("erased-{id}@erased.invalid");
        // Mail not yet sent to them is not sent; mail sent keeps no address.
        sqlx::query("DELETE FROM outbox WHERE LOWER(to_addr) = LOWER($1) AND sent_at IS NULL")
            .bind(&address)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE outbox SET to_addr = $2 WHERE LOWER(to_addr) = LOWER($1)")
            .bind(&address)
            .bind(&erased)
            .execute(&mut *tx)
            .await?;
        // The record that they consented stays for the retention period; the name they
        // typed does not.
        sqlx::query(
            "UPDATE consent_signatures SET typed_name = '', typed_name_sealed = NULL WHERE client_id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE users SET email = $2, display_name = 'Erased account', pronouns = NULL, \
             password_hash = 'erased', totp_secret = NULL, totp_pending = NULL, totp_secret_sealed = NULL, \
             totp_pending_sealed = NULL, totp_enabled_at = NULL, location_country = NULL, \
             location_region = NULL, erased_at = $3, updated_at = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(&erased)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for table in ["sessions", "api_tokens", "account_tokens", "recovery_codes"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE security_events SET ip = NULL WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO erasure_requests (client_id, requested_at, destroy_after) VALUES ($1, $2, $3) \
             ON CONFLICT (client_id) DO NOTHING",
        )
        .bind(id)
        .bind(now)
        .bind(destroy_after)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn erasure_request(&self, client: &UserId) -> Result<Option<ErasureRequest>> {
        Ok(sqlx::query_as(
            "SELECT client_id, requested_at, destroy_after, destroyed_at FROM erasure_requests WHERE client_id = $1",
        )
        .bind(client.as_str())
        .fetch_optional(self.pool())
        .await?)
    }

    /// Requests whose retention period has ended and whose records still exist.
    pub async fn due_erasures(&self, now: i64) -> Result<Vec<ErasureRequest>> {
        Ok(sqlx::query_as(
            "SELECT client_id, requested_at, destroy_after, destroyed_at FROM erasure_requests \
             WHERE destroyed_at IS NULL AND destroy_after <= $1",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await?)
    }

    /// Marks the retained records destroyed and drops the consent signatures kept with them.
    pub async fn finish_erasure(
        &self,
        conn: &mut sqlx::AnyConnection,
        client: &UserId,
    ) -> Result<()> {
        sqlx::query("DELETE FROM consent_signatures WHERE client_id = $1")
            .bind(client.as_str())
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE erasure_requests SET destroyed_at = $2 WHERE client_id = $1")
            .bind(client.as_str())
            .bind(now_ms())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Whether the client has any sealed clinical content (a data key was ever made).
    pub async fn has_clinical_records(&self, client: &UserId) -> Result<bool> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT client_id FROM client_keys WHERE client_id = $1")
                .bind(client.as_str())
                .fetch_optional(self.pool())
                .await?;
        Ok(row.is_some())
    }
}
