//! The operator's key-encryption key (KEK) and the audit signing key. The KEK comes from
//! `RAPPORT_KEK` (base64 of 32 bytes) or a key file; on first run a file is created with
//! owner-only permissions, and a key file readable by others is refused.

use crate::{Result, VaultError};
use base64::Engine;
use ed25519_dalek::SigningKey;
use rand::{rngs::OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub const KEK_ENV: &str = "RAPPORT_KEK";

/// A 256-bit key-encryption key and its id (a fingerprint, safe to store).
pub struct KeyEncryptionKey {
    key: Zeroizing<[u8; 32]>,
}

impl KeyEncryptionKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self {
            key: Zeroizing::new(bytes),
        }
    }

    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        Self::from_bytes(k)
    }

    /// Parses base64 (standard or URL-safe) of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self> {
        let text = text.trim();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text))
            .map_err(|_| VaultError::Kek("it is not base64".into()))?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| {
            VaultError::Kek("it must be exactly 32 bytes (44 base64 characters)".into())
        })?;
        Ok(Self::from_bytes(arr))
    }

    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(*self.key))
    }

    /// A short fingerprint naming this key in stored rows, without revealing it.
    pub fn id(&self) -> String {
        let digest = Sha256::new()
            .chain_update(b"rapport-kek-id:v1")
            .chain_update(*self.key)
            .finalize();
        hex::encode(&digest[..8])
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.key
    }
}

/// Where the keys live: `DIR/kek` and `DIR/audit-signing.key` (+ `.pub`).
#[derive(Debug, Clone)]
pub struct KeyFiles {
    pub dir: PathBuf,
}

impl KeyFiles {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn kek_path(&self) -> PathBuf {
        self.dir.join("kek")
    }

    /// The key a rotation in progress is moving to.
    pub fn next_kek_path(&self) -> PathBuf {
        self.dir.join("kek.next")
    }

    pub fn previous_kek_path(&self) -> PathBuf {
        self.dir.join("kek.previous")
    }

    /// Every key a running server may meet: the previous (after a rotation), the current
    /// and the next (during one), newest last. With `RAPPORT_KEK` set, just that key.
    pub fn load_ring(&self) -> Result<Vec<KeyEncryptionKey>> {
        let current = self.load_or_create_kek()?;
        if std::env::var(KEK_ENV).is_ok_and(|v| !v.trim().is_empty()) {
            return Ok(vec![current]);
        }
        let mut ring = Vec::new();
        if let Some(text) = read_private(&self.previous_kek_path())? {
            ring.push(KeyEncryptionKey::from_base64(&text)?);
        }
        ring.push(current);
        if let Some(text) = read_private(&self.next_kek_path())? {
            ring.push(KeyEncryptionKey::from_base64(&text)?);
        }
        Ok(ring)
    }

    /// The rotation target: `kek.next` if a rotation was interrupted, else a new one.
    pub fn load_or_create_next(&self) -> Result<KeyEncryptionKey> {
        if std::env::var(KEK_ENV).is_ok_and(|v| !v.trim().is_empty()) {
            return Err(VaultError::Kek(format!(
                "{KEK_ENV} is set; rotate by moving to key files (unset {KEK_ENV} and put the key in {})",
                self.kek_path().display()
            )));
        }
        if let Some(text) = read_private(&self.next_kek_path())? {
            return KeyEncryptionKey::from_base64(&text);
        }
        let next = KeyEncryptionKey::generate();
        write_private(&self.next_kek_path(), &next.to_base64())?;
        Ok(next)
    }

    /// The key kept from the last rotation (`kek.previous`), if any.
    pub fn load_previous(&self) -> Result<Option<KeyEncryptionKey>> {
        match read_private(&self.previous_kek_path())? {
            Some(text) => KeyEncryptionKey::from_base64(&text).map(Some),
            None => Ok(None),
        }
    }

    /// Makes `kek.next` the current key, keeping the old one as `kek.previous`. The caller
    /// has checked that no data key needs the `kek.previous` this replaces.
    pub fn promote_next(&self) -> Result<()> {
        let previous = self.previous_kek_path();
        if previous.exists() {
            std::fs::remove_file(&previous)?;
        }
        std::fs::rename(self.kek_path(), &previous)?;
        std::fs::rename(self.next_kek_path(), self.kek_path())?;
        Ok(())
    }

    pub fn signer_path(&self) -> PathBuf {
        self.dir.join("audit-signing.key")
    }

    pub fn public_key_path(&self) -> PathBuf {
        self.dir.join("audit-signing.pub")
    }

    /// The KEK from `RAPPORT_KEK`, else the key file, else a new key file.
    pub fn load_or_create_kek(&self) -> Result<KeyEncryptionKey> {
        if let Ok(text) = std::env::var(KEK_ENV) {
            if !text.trim().is_empty() {
                return KeyEncryptionKey::from_base64(&text);
            }
        }
        let path = self.kek_path();
        match read_private(&path)? {
            Some(text) => KeyEncryptionKey::from_base64(&text),
            None => {
                let kek = KeyEncryptionKey::generate();
                write_private(&path, &kek.to_base64())?;
                tracing::info!(path = %path.display(), kek_id = %kek.id(), "generated a new key-encryption key; back it up separately from the database");
                Ok(kek)
            }
        }
    }

    pub fn load_or_create_signer(&self) -> Result<SigningKey> {
        let path = self.signer_path();
        let key = match read_private(&path)? {
            Some(text) => {
                let bytes: [u8; 32] = hex::decode(text.trim())
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| {
                        VaultError::Kek(format!("{} is not a 32-byte hex key", path.display()))
                    })?;
                SigningKey::from_bytes(&bytes)
            }
            None => {
                let key = SigningKey::generate(&mut OsRng);
                write_private(&path, &Zeroizing::new(hex::encode(key.to_bytes())))?;
                key
            }
        };
        let public = hex::encode(key.verifying_key().to_bytes());
        std::fs::write(self.public_key_path(), format!("{public}\n"))?;
        Ok(key)
    }

    /// The audit signing key, if present (never made here: for verification).
    pub fn load_signer(&self) -> Result<Option<SigningKey>> {
        let path = self.signer_path();
        let Some(text) = read_private(&path)? else {
            return Ok(None);
        };
        let bytes: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                VaultError::Kek(format!("{} is not a 32-byte hex key", path.display()))
            })?;
        Ok(Some(SigningKey::from_bytes(&bytes)))
    }

    /// The trusted public key for verifying checkpoints, if present.
    pub fn public_key(&self) -> Result<Option<ed25519_dalek::VerifyingKey>> {
        let Ok(text) = std::fs::read_to_string(self.public_key_path()) else {
            return Ok(None);
        };
        let bytes: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| VaultError::Kek("audit-signing.pub is not a 32-byte hex key".into()))?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map(Some)
            .map_err(|_| VaultError::Kek("audit-signing.pub is not a valid Ed25519 key".into()))
    }
}

/// Reads a key file, refusing one that group or others can read.
fn read_private(path: &Path) -> Result<Option<Zeroizing<String>>> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(VaultError::KeyFilePermissions(path.display().to_string()));
        }
    }
    let _ = meta;
    Ok(Some(Zeroizing::new(std::fs::read_to_string(path)?)))
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    options.open(path)?.write_all(text.as_bytes())?;
    Ok(())
}
