//! Per-client data keys: random 256-bit keys stored only wrapped by the KEK.

use crate::ring::KeyRing;
use crate::{seal, Result, VaultError};
use rand::{rngs::OsRng, RngCore};
use rapport_core::UserId;
use sqlx::AnyConnection;
use zeroize::Zeroizing;

/// The client's data key, created on first use when `create` is set.
pub(crate) async fn data_key(
    conn: &mut AnyConnection,
    ring: &KeyRing,
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
            let kek = ring.by_id(&kek_id)?;
            seal::unwrap(kek.bytes(), &kek_id, client, &wrapped)
        }
        None if create => {
            let mut dek = Zeroizing::new([0u8; 32]);
            OsRng.fill_bytes(dek.as_mut());
            let kek = ring.newest();
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
            Box::pin(data_key(conn, ring, client, false)).await
        }
        None => Err(VaultError::NoKey),
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

/// Re-wraps every live data key not yet under `target`, a batch at a time, calling
/// `progress(done, total)`. Safe to interrupt and run again: each row is re-wrapped by a
/// compare-and-set on its key id, and rows already under `target` are skipped.
pub(crate) async fn rewrap_all(
    store: &rapport_store::Store,
    ring: &KeyRing,
    target: &crate::kek::KeyEncryptionKey,
    progress: &dyn Fn(u64, u64),
) -> Result<u64> {
    let target_id = target.id();
    let (total,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM client_keys WHERE wrapped_dek IS NOT NULL AND kek_id <> $1",
    )
    .bind(&target_id)
    .fetch_one(store.pool())
    .await?;
    let total = total as u64;
    let mut done = 0u64;
    progress(0, total);
    loop {
        let batch: Vec<(String, String, Vec<u8>)> = sqlx::query_as(
            "SELECT client_id, kek_id, wrapped_dek FROM client_keys \
             WHERE wrapped_dek IS NOT NULL AND kek_id <> $1 ORDER BY client_id LIMIT 200",
        )
        .bind(&target_id)
        .fetch_all(store.pool())
        .await?;
        if batch.is_empty() {
            return Ok(done);
        }
        let mut tx = store
            .begin_write()
            .await
            .map_err(|e| VaultError::Kek(e.to_string()))?;
        for (client_id, kek_id, wrapped) in batch {
            let client = UserId(client_id);
            let old = ring.by_id(&kek_id)?;
            let dek = seal::unwrap(old.bytes(), &kek_id, &client, &wrapped)?;
            let rewrapped = seal::wrap(target.bytes(), &target_id, &client, &dek);
            sqlx::query(
                "UPDATE client_keys SET kek_id = $3, wrapped_dek = $4, rewrapped_at = $5 \
                 WHERE client_id = $1 AND kek_id = $2 AND wrapped_dek IS NOT NULL",
            )
            .bind(client.as_str())
            .bind(&kek_id)
            .bind(&target_id)
            .bind(rewrapped)
            .bind(rapport_store::now_ms())
            .execute(&mut *tx)
            .await?;
            done += 1;
        }
        tx.commit().await?;
        progress(done.min(total.max(done)), total.max(done));
    }
}
