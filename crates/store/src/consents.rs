//! Consent signatures: append-only records of what a client signed, and withdrawals.

use crate::{now_ms, Result, Store};
use rapport_core::UserId;

/// A signature as stored. The typed name is sealed under the operator's data key (table
/// `consent_signatures`, the signature's id, field `typed_name`); `None` once the client's
/// account was erased (the record of consent is kept, the name is not).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Signature {
    pub id: String,
    pub document: String,
    pub version: i64,
    pub text_sha256: String,
    pub typed_name_sealed: Option<Vec<u8>>,
    pub signed_at: i64,
    pub withdrawn_at: Option<i64>,
}

const COLUMNS: &str =
    "id, document, version, text_sha256, typed_name_sealed, signed_at, withdrawn_at";

impl Store {
    /// Stores a signature whose id (which the sealed name is bound to) the caller chose.
    pub async fn sign_consent(
        &self,
        client: &UserId,
        id: &str,
        document: &str,
        version: i64,
        text_sha256: &str,
        typed_name_sealed: Vec<u8>,
    ) -> Result<Signature> {
        let s = Signature {
            id: id.into(),
            document: document.into(),
            version,
            text_sha256: text_sha256.into(),
            typed_name_sealed: Some(typed_name_sealed),
            signed_at: now_ms(),
            withdrawn_at: None,
        };
        sqlx::query(&format!(
            "INSERT INTO consent_signatures (client_id, typed_name, {COLUMNS}) \
             VALUES ($1, '', $2, $3, $4, $5, $6, $7, NULL)"
        ))
        .bind(client.as_str())
        .bind(&s.id)
        .bind(&s.document)
        .bind(s.version)
        .bind(&s.text_sha256)
        .bind(&s.typed_name_sealed)
        .bind(s.signed_at)
        .execute(self.pool())
        .await?;
        Ok(s)
    }

    /// The client's most recent signature of each document, withdrawn or not.
    pub async fn latest_signatures(&self, client: &UserId) -> Result<Vec<Signature>> {
        let all: Vec<Signature> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM consent_signatures WHERE client_id = $1 ORDER BY signed_at DESC, id"
        ))
        .bind(client.as_str())
        .fetch_all(self.pool())
        .await?;
        let mut seen = std::collections::HashSet::new();
        Ok(all
            .into_iter()
            .filter(|s| seen.insert(s.document.clone()))
            .collect())
    }

    /// Withdraws the client's live signature of `document`; false if there was none.
    pub async fn withdraw_consent(&self, client: &UserId, document: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE consent_signatures SET withdrawn_at = $3 WHERE client_id = $1 AND document = $2 AND withdrawn_at IS NULL",
        )
        .bind(client.as_str())
        .bind(document)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
