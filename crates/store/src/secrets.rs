//! Secrets stored in clear by versions before they were sealed: found once, sealed by the
//! vault, and their clear copies emptied, at the first start of a version that seals them.

use crate::{Backend, Result, Store};

/// Where clear values may remain: (table, clear column, sealed column, the field name
/// the sealed value is bound to, what "empty" is for the clear column).
const PLACES: &[(&str, &str, &str, &str, &str)] = &[
    ("users", "totp_secret", "totp_secret_sealed", "totp", "NULL"),
    (
        "users",
        "totp_pending",
        "totp_pending_sealed",
        "totp",
        "NULL",
    ),
    (
        "consent_signatures",
        "typed_name",
        "typed_name_sealed",
        "typed_name",
        "''",
    ),
    (
        "emergency_grants",
        "reason",
        "reason_sealed",
        "reason",
        "''",
    ),
    ("outbox", "body_text", "body_sealed", "body", "NULL"),
];

/// A secret still in clear: where it is (for the seal's associated data) and what it is.
pub struct ClearSecret {
    pub table: &'static str,
    pub row_id: String,
    pub field: &'static str,
    pub value: String,
    column: usize,
}

impl Store {
    /// Every secret still stored in clear.
    pub async fn clear_secrets(&self) -> Result<Vec<ClearSecret>> {
        let mut out = Vec::new();
        for (i, (table, clear, sealed, field, _)) in PLACES.iter().enumerate() {
            // Only rows never sealed: a clear value written beside a sealed one (by someone
            // with database access) must not replace it at the next start.
            let rows: Vec<(String, String)> = sqlx::query_as(&format!(
                "SELECT id, {clear} FROM {table} \
                 WHERE {clear} IS NOT NULL AND {clear} <> '' AND {sealed} IS NULL"
            ))
            .fetch_all(self.pool())
            .await?;
            out.extend(rows.into_iter().map(|(row_id, value)| ClearSecret {
                table,
                row_id,
                field,
                value,
                column: i,
            }));
        }
        Ok(out)
    }

    /// Stores the sealed form of `secret` and empties its clear copy, if it is unchanged.
    pub async fn replace_clear_secret(
        &self,
        conn: &mut crate::Conn,
        secret: &ClearSecret,
        sealed: Vec<u8>,
    ) -> Result<()> {
        let (table, clear, sealed_col, _, empty) = PLACES[secret.column];
        sqlx::query(&format!(
            "UPDATE {table} SET {sealed_col} = $3, {clear} = {empty} \
             WHERE id = $1 AND {clear} = $2 AND {sealed_col} IS NULL"
        ))
        .bind(&secret.row_id)
        .bind(&secret.value)
        .bind(sealed)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Leaves no old copy of what was just overwritten where a file reader could find it:
    /// SQLite's write-ahead log is checkpointed and truncated (the database file zeroes
    /// overwritten cells itself, with `secure_delete`); PostgreSQL vacuums the tables that
    /// held clear secrets, so their old row versions are reclaimed.
    pub async fn scrub_old_copies(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(self.pool())
                    .await?;
            }
            Backend::Postgres => {
                for table in ["users", "consent_signatures", "emergency_grants", "outbox"] {
                    sqlx::query(&format!("VACUUM {table}"))
                        .execute(self.pool())
                        .await?;
                }
            }
        }
        Ok(())
    }
}
