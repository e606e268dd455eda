//! The set of key-encryption keys a vault knows: normally one; during a rotation the old
//! and the new. New data keys are wrapped with the key the database names as current;
//! existing ones are unwrapped with whichever key their row names. When either is a key
//! the ring lacks (a rotation ran while this server was up), the ring reloads the key
//! files once.

use crate::kek::{KeyEncryptionKey, KeyFiles};
use crate::{Result, VaultError};
use std::sync::{Arc, RwLock};

pub(crate) struct KeyRing {
    keys: RwLock<Vec<Arc<KeyEncryptionKey>>>,
    /// Where the configured (current) key sits in `keys` as first loaded.
    configured_index: usize,
    files: Option<KeyFiles>,
}

impl KeyRing {
    pub(crate) fn fixed(kek: KeyEncryptionKey) -> Self {
        Self {
            keys: RwLock::new(vec![Arc::new(kek)]),
            configured_index: 0,
            files: None,
        }
    }

    pub(crate) fn from_files(files: &KeyFiles) -> Result<Self> {
        let configured = files.load_or_create_kek()?.id();
        let keys: Vec<Arc<KeyEncryptionKey>> =
            files.load_ring()?.into_iter().map(Arc::new).collect();
        let configured_index = keys.iter().position(|k| k.id() == configured).unwrap_or(0);
        Ok(Self {
            keys: RwLock::new(keys),
            configured_index,
            files: Some(files.clone()),
        })
    }

    /// The operator's configured key (`kek`, or `RAPPORT_KEK`): the first current key of a
    /// new database. Afterwards the database says which key is current.
    pub(crate) fn configured(&self) -> Arc<KeyEncryptionKey> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        keys.get(self.configured_index.min(keys.len().saturating_sub(1)))
            .cloned()
            .unwrap_or_else(|| Arc::new(KeyEncryptionKey::generate()))
    }

    /// Whether the ring (or the key files, reloaded once) has this key.
    pub(crate) fn knows(&self, id: &str) -> bool {
        self.by_id(id).is_ok()
    }

    /// The key with this id, reloading the key files once if it is unknown.
    pub(crate) fn by_id(&self, id: &str) -> Result<Arc<KeyEncryptionKey>> {
        let find = |keys: &Vec<Arc<KeyEncryptionKey>>| keys.iter().find(|k| k.id() == id).cloned();
        if let Some(k) = find(&self.keys.read().unwrap_or_else(|p| p.into_inner())) {
            return Ok(k);
        }
        if let Some(files) = &self.files {
            let reloaded: Vec<Arc<KeyEncryptionKey>> =
                files.load_ring()?.into_iter().map(Arc::new).collect();
            let found = find(&reloaded);
            *self.keys.write().unwrap_or_else(|p| p.into_inner()) = reloaded;
            if let Some(k) = found {
                return Ok(k);
            }
        }
        Err(VaultError::Kek(format!(
            "a data key is wrapped by key {id}, which is not configured; restore that key file or finish `rapport keys rotate`"
        )))
    }
}
