//! Per-client data keys: random 256-bit keys stored only wrapped by the KEK.

use crate::access::{AccessContext, Action, RecordKind, SystemJob};
use crate::ring::KeyRing;
use crate::seal::Locator;
use crate::{chain, seal, Result, VaultError};
use rand::{rngs::OsRng, RngCore};
use rapport_core::UserId;
use rapport_store::Conn;
use zeroize::Zeroizing;

/// The client's data key, created on first use when `create` is set.
pub(crate) async fn data_key(
    conn: &mut Conn,
    ring: &KeyRing,
    client: &UserId,
    create: bool,
) -> Result<Zeroizing<[u8; 32]>> {
    match rapport_store::vault::client_key(conn, client.as_str()).await? {
        Some(k) => match k.wrapped_dek {
            None => Err(VaultError::KeyDestroyed),
            Some(wrapped) => {
                let kek = ring.by_id(&k.kek_id)?;
                seal::unwrap(kek.bytes(), &k.kek_id, client, &wrapped)
            }
        },
        None if create => {
            let mut dek = Zeroizing::new([0u8; 32]);
            OsRng.fill_bytes(dek.as_mut());
            // Wrap under the key every server shares as current (not whichever key this
            // process thinks is newest: a rotation may have moved on since it started).
            let kek_id =
                rapport_store::vault::current_kek_for_new_key(conn, &ring.configured().id())
                    .await?;
            let kek = ring.by_id(&kek_id)?;
            let wrapped = seal::wrap(kek.bytes(), &kek_id, client, &dek);
            // Two first writes for one client may race: the loser keeps the winner's key.
            rapport_store::vault::insert_client_key(conn, client.as_str(), &kek_id, wrapped)
                .await?;
            Box::pin(data_key(conn, ring, client, false)).await
        }
        None => Err(VaultError::NoKey),
    }
}

fn key_locator(client: &UserId) -> Locator<'_> {
    Locator {
        client,
        care: None,
        kind: RecordKind::DataKey,
        table: "client_keys",
        row_id: client.as_str(),
        field: "wrapped_dek",
    }
}

/// Destroys a client's data key, leaving an access event that names the job.
pub(crate) async fn destroy(
    conn: &mut Conn,
    mac: &crate::chain::MacKey,
    job: SystemJob,
    client: &UserId,
) -> Result<bool> {
    let destroyed = rapport_store::vault::destroy_client_key(conn, client.as_str()).await?;
    if destroyed {
        chain::append(
            conn,
            mac,
            &AccessContext::job(job),
            &key_locator(client),
            Action::DestroyKey,
        )
        .await?;
    }
    Ok(destroyed)
}

/// Re-wraps every live data key not yet under `target`, a batch at a time, calling
/// `progress(done, total)`. Safe to interrupt and run again: each row is re-wrapped by a
/// compare-and-set on its key id, and rows already under `target` are skipped. Each
/// re-wrap leaves an access event naming key rotation in the client's log.
pub(crate) async fn rewrap_all(
    store: &rapport_store::Store,
    ring: &KeyRing,
    mac: &crate::chain::MacKey,
    target: &crate::kek::KeyEncryptionKey,
    progress: &dyn Fn(u64, u64),
) -> Result<u64> {
    let target_id = target.id();
    let total = store.keys_not_under(&target_id).await?.max(0) as u64;
    let mut done = 0u64;
    progress(0, total);
    let rotation = AccessContext::job(SystemJob::KeyRotation);
    loop {
        let batch = store.keys_to_rewrap(&target_id, 200).await?;
        if batch.is_empty() {
            return Ok(done);
        }
        let mut tx = store.begin_write().await?;
        for k in batch {
            let Some(wrapped) = k.wrapped_dek else {
                continue;
            };
            let client = UserId(k.client_id);
            let old = ring.by_id(&k.kek_id)?;
            let dek = seal::unwrap(old.bytes(), &k.kek_id, &client, &wrapped)?;
            let rewrapped = seal::wrap(target.bytes(), &target_id, &client, &dek);
            if rapport_store::vault::rewrap_key(
                &mut tx,
                client.as_str(),
                &k.kek_id,
                &target_id,
                rewrapped,
            )
            .await?
            {
                chain::append(
                    &mut tx,
                    mac,
                    &rotation,
                    &key_locator(&client),
                    Action::RewrapKey,
                )
                .await?;
            }
            done += 1;
        }
        tx.commit().await?;
        progress(done.min(total.max(done)), total.max(done));
    }
}
