//! Binding a database to its installation, and proving that a backup can be used before
//! anything is replaced with it: its key-encryption keys are here, its data keys unwrap,
//! sample sealed values open, and it belongs to this installation.

use crate::access::RecordKind;
use crate::kek::KeyFiles;
use crate::ring::KeyRing;
use crate::seal::{self, Locator};
use crate::{Result, VaultError};
use rapport_core::UserId;
use rapport_store::Store;

/// What a check of a database against the key files found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysCheck {
    /// Data keys unwrapped (a sample of them).
    pub keys: usize,
    /// Sealed values opened (a sample of them).
    pub sealed: usize,
}

fn instance_path(files: &KeyFiles) -> std::path::PathBuf {
    files.dir.join("instance")
}

/// The installation id kept beside the keys, if there is one.
pub fn instance_of(files: &KeyFiles) -> Result<Option<String>> {
    match std::fs::read_to_string(instance_path(files)) {
        Ok(text) => Ok(Some(text.trim().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Pairs the database with the key directory at start-up: a new installation gets an id
/// in both; an existing one must have the same in both, or the server must not start (it
/// would be reading one installation's data with another's keys).
pub async fn bind_instance(store: &Store, files: &KeyFiles) -> Result<String> {
    let in_db = store.instance_id().await?;
    let in_keys = instance_of(files)?;
    match (in_db, in_keys) {
        (Some(db), Some(keys)) if db == keys => Ok(db),
        (Some(db), Some(keys)) => Err(VaultError::Kek(format!(
            "this database belongs to installation {db}, but {} holds the keys of installation {keys}; \
             point --data-dir at this database's own keys",
            files.dir.display()
        ))),
        (Some(db), None) => Err(VaultError::Kek(format!(
            "this database belongs to installation {db}, but {} has no installation id: \
             restore that installation's key directory (kek, instance) first",
            files.dir.display()
        ))),
        (None, keys) => {
            let id = keys.unwrap_or_else(rapport_store::new_id);
            std::fs::create_dir_all(&files.dir)?;
            std::fs::write(instance_path(files), format!("{id}\n"))?;
            if !store.claim_instance_id(&id).await? {
                return Err(VaultError::Kek("another server named this installation first; start again".into()));
            }
            Ok(id)
        }
    }
}

/// Proves that `candidate` (a backup, loaded somewhere harmless) can be used with the keys
/// in `files`, without changing either.
pub async fn check_keys(candidate: &Store, files: &KeyFiles) -> Result<KeysCheck> {
    if !files.kek_path().exists() && std::env::var(crate::kek::KEK_ENV).is_err() {
        return Err(VaultError::Kek(format!(
            "{} has no key-encryption key (kek): restore the key directory that was backed up with this database",
            files.dir.display()
        )));
    }
    let ring = KeyRing::from_files(files)?;
    for (kek_id, n) in candidate.keys_by_kek().await? {
        if !ring.knows(&kek_id) {
            return Err(VaultError::Kek(format!(
                "{n} data keys in the backup are wrapped by key {kek_id}, which is not in {}: \
                 restore that key file (kek or kek.previous) first",
                files.dir.display()
            )));
        }
    }
    let mut keys = 0;
    for k in candidate.sample_keys(200).await? {
        let Some(wrapped) = k.wrapped_dek else {
            continue;
        };
        let kek = ring.by_id(&k.kek_id)?;
        seal::unwrap(
            kek.bytes(),
            &k.kek_id,
            &UserId(k.client_id.clone()),
            &wrapped,
        )?;
        keys += 1;
    }
    let mut sealed = 0;
    for s in candidate.sample_sealed(20).await? {
        let client = UserId(s.client_id.clone());
        let Some(kind) = RecordKind::parse(&s.kind) else {
            continue;
        };
        let Some(k) = candidate.wrapped_key(&s.client_id).await? else {
            continue;
        };
        let Some(wrapped) = k.wrapped_dek else {
            continue;
        };
        let kek = ring.by_id(&k.kek_id)?;
        let dek = seal::unwrap(kek.bytes(), &k.kek_id, &client, &wrapped)?;
        let at = Locator {
            client: &client,
            care: s.care_id.as_deref(),
            kind,
            table: &s.tbl,
            row_id: &s.row_id,
            field: &s.field,
        };
        // Opened only to prove it opens: the plaintext is wiped at once, never returned.
        drop(seal::open(&dek, &at, &s.sealed)?);
        sealed += 1;
    }
    Ok(KeysCheck { keys, sealed })
}
