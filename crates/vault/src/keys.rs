//! Per-client data keys: random 256-bit keys stored only wrapped by the KEK.

use crate::kek::KeyEncryptionKey;
use crate::{seal, Result, VaultError};
use rand::{rngs::OsRng, RngCore};
use rapport_core::UserId;
use sqlx::AnyConnection;
use zeroize::Zeroizing;

/// The client's data key, created on first use when `create` is set.
pub(crate) async fn data_key(
    conn: &mut AnyConnection,
    kek: &KeyEncryptionKey,
    client: &UserId,
    create: bool,
) -> Result<Zeroizing<[u8; 32]>> {
    let row: Option<(String, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT kek_id, wrapped_dek FROM client_keys WHERE client_id = $1")
            .bind(client.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        Some((_, None)) => Err(VaultError::KeyDestroyed),
        Some((kek_id, Some(wrapped))) => {
            if kek_id != kek.id() {
                return Err(VaultError::Kek(format!(
                    "this data key is wrapped by key {kek_id}, not the configured key {}; finish `rapport keys rotate`",
                    kek.id()
                )));
            }
            seal::unwrap(kek.bytes(), &kek_id, client, &wrapped)
        }
        None if create => {
            let mut dek = Zeroizing::new([0u8; 32]);
            OsRng.fill_bytes(dek.as_mut());
            let kek_id = kek.id();
            let wrapped = seal::wrap(kek.bytes(), &kek_id, client, &dek);
            // Two first writes for one client may race: the loser keeps the winner's key.
            sqlx::query(
                "INSERT INTO client_keys (client_id, kek_id, wrapped_dek, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (client_id) DO NOTHING",
            )
            .bind(client.as_str())
            .bind(&kek_id)
            .bind(wrapped)
            .bind(rapport_store::now_ms())
            .execute(&mut *conn)
            .await?;
            Box::pin(data_key(conn, kek, client, false)).await
        }
        None => Err(VaultError::Tampered),
    }
}

pub(crate) async fn destroy(conn: &mut AnyConnection, client: &UserId) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE client_keys SET wrapped_dek = NULL, destroyed_at = $2 WHERE client_id = $1 AND wrapped_dek IS NOT NULL",
    )
    .bind(client.as_str())
    .bind(rapport_store::now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
