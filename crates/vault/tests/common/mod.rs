//! What the vault's tests share: a vault with fresh keys, places to seal at, and sealing,
//! opening and break-glass as the product does them (each in its own transaction).
#![allow(dead_code)] // each test file uses its own share of these

use rapport_core::UserId;
use rapport_store::Store;
use rapport_testkit::people::Person;
use rapport_vault::chain;
use rapport_vault::{
    AccessContext, KeyEncryptionKey, Locator, Purpose, RecordKind, Vault, VaultError, Witness,
};

pub fn vault() -> Vault {
    Vault::new(
        KeyEncryptionKey::generate(),
        ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
    )
}

/// A note of `client`'s care in relationship `care`, stored at `row`.
pub fn note<'a>(client: &'a UserId, care: &'a str, row: &'a str) -> Locator<'a> {
    Locator {
        client,
        care: Some(care),
        kind: RecordKind::Note,
        table: "notes",
        row_id: row,
        field: "body",
    }
}

pub fn treating(p: &Person) -> AccessContext {
    AccessContext::person(&p.proof, Purpose::Treatment, Some("req-1".into()))
}

pub async fn seal(
    store: &Store,
    v: &Vault,
    ctx: &AccessContext,
    loc: &Locator<'_>,
    text: &str,
) -> Result<Vec<u8>, VaultError> {
    let mut tx = store.begin_write().await.unwrap();
    let sealed = v.seal(&mut tx, ctx, loc, text).await?;
    tx.commit().await.unwrap();
    Ok(sealed)
}

pub async fn open(
    store: &Store,
    v: &Vault,
    ctx: &AccessContext,
    loc: &Locator<'_>,
    sealed: &[u8],
) -> Result<String, VaultError> {
    let mut tx = store.begin_write().await.unwrap();
    let r = v
        .open(&mut tx, ctx, loc, sealed)
        .await
        .map(|c| c.expose().to_string());
    match r {
        Ok(text) => {
            tx.commit().await.unwrap();
            Ok(text)
        }
        Err(e) => {
            tx.rollback().await.unwrap();
            Err(e)
        }
    }
}

/// Break-glass access to `client`, granted by `admin` as Rapport grants it.
pub async fn break_glass(
    store: &Store,
    v: &Vault,
    admin: &AccessContext,
    client: &UserId,
) -> rapport_store::emergency::EmergencyGrant {
    let mut tx = store.begin_write().await.unwrap();
    let g = v
        .grant_emergency(
            &mut tx,
            admin,
            client,
            "A written reason of thirty characters or more.",
            30,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    g
}

pub async fn events(store: &Store, client: &UserId) -> Vec<chain::AccessEvent> {
    chain::events_for_client(store, client.as_str(), 1000)
        .await
        .unwrap()
}

/// A witness file of its own, as a server's data directory would hold.
pub fn witness() -> Witness {
    let dir = std::env::temp_dir().join(format!("rapport-witness-{}", rapport_store::new_id()));
    Witness::new(&dir, &[])
}
