//! The vault: the only place that holds key material and the only way to store or read a
//! client's clinical content. Content is sealed with XChaCha20-Poly1305 under a per-client
//! data key, itself stored only wrapped by the operator's key-encryption key; opening a
//! value takes an [`AccessContext`] and appends a hash-chained access event in the same
//! transaction, so reading without leaving a trace is not possible through this API.

pub mod access;
mod cache;
pub mod chain;
pub mod check;
pub mod kek;
mod keys;
mod ring;
mod rule;
mod seal;
pub mod secrets;
pub mod witness;

pub use access::{AccessContext, Action, ActorRole, Purpose, RecordKind, SystemJob};
pub use chain::{AccessEvent, ChainLink, Evidence, MacKey, Verification};
pub use kek::{KeyEncryptionKey, KeyFiles};
pub use seal::Locator;
pub use secrets::SecretAt;
pub use witness::Witness;
pub use zeroize::Zeroizing;

use ed25519_dalek::SigningKey;
use rapport_store::{Conn, Store, StoreError, Tx};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the key-encryption key is not usable: {0}")]
    Kek(String),
    #[error("{0} is readable by other users; run `chmod 600 {0}` (the key must be private)")]
    KeyFilePermissions(String),
    #[error(
        "this client's data key has been destroyed; their sealed records can no longer be opened"
    )]
    KeyDestroyed,
    #[error("a sealed value failed to open: it was altered, or belongs to another record")]
    Tampered,
    /// No data key exists for this client yet (internal: the caller creates one or fails).
    #[error("no data key exists for this client")]
    NoKey,
    /// The one access rule said no (see `rule`); the attempt was recorded.
    #[error("not permitted to open or write this client's records")]
    NotPermitted,
    #[error("database error: {0}")]
    Database(#[from] StoreError),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;

/// Which key is current and how many data keys each key wraps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    pub current: Option<String>,
    /// (key id, live data keys wrapped by it)
    pub wrapped: Vec<(String, i64)>,
}

async fn key_count(store: &rapport_store::Store, id: &str) -> Result<i64> {
    Ok(store
        .keys_by_kek()
        .await?
        .into_iter()
        .find(|(k, _)| k == id)
        .map(|(_, n)| n)
        .unwrap_or(0))
}

/// Clinical text taken out of the vault. It never prints itself: `Debug` is redacted and
/// the memory is wiped on drop.
pub struct Clinical(Zeroizing<String>);

impl Clinical {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Clinical {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clinical([redacted])")
    }
}

/// Sealing and opening of clinical content, and the access log.
#[derive(Clone)]
pub struct Vault {
    ring: Arc<ring::KeyRing>,
    signer: Arc<SigningKey>,
    mac: chain::MacKey,
    keys: Arc<cache::KeyCache>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("configured_kek_id", &self.ring.configured().id())
            .finish()
    }
}

impl Vault {
    pub fn new(kek: KeyEncryptionKey, signer: SigningKey) -> Self {
        Self {
            ring: Arc::new(ring::KeyRing::fixed(kek)),
            mac: chain::MacKey::from_signer(&signer),
            signer: Arc::new(signer),
            keys: Arc::default(),
        }
    }

    /// Loads (or on first run creates) the keys under `files`, following rotations.
    pub fn from_files(files: &KeyFiles) -> Result<Self> {
        let signer = files.load_or_create_signer()?;
        Ok(Self {
            ring: Arc::new(ring::KeyRing::from_files(files)?),
            mac: chain::MacKey::from_signer(&signer),
            signer: Arc::new(signer),
            keys: Arc::default(),
        })
    }

    /// Moves every data key under a new key-encryption key (`rapport keys rotate`) while
    /// servers keep running, and is safe to interrupt and run again:
    ///
    /// 1. the new key (`kek.next`, made if missing) becomes current for every server at
    ///    once (the database says which key is current; servers load it from the key
    ///    files when they first meet it), so from then on no data key is made under the
    ///    old one;
    /// 2. every data key under any other key is re-wrapped, until none is left — those
    ///    made during the rotation included;
    /// 3. only then do the files move: `kek` becomes `kek.previous`, `kek.next` becomes
    ///    `kek`. An older `kek.previous` is removed only if no data key needs it.
    ///
    /// Returns how many data keys were re-wrapped.
    pub async fn rotate(
        store: &rapport_store::Store,
        files: &KeyFiles,
        progress: &dyn Fn(u64, u64),
    ) -> Result<u64> {
        let ring = ring::KeyRing::from_files(files)?;
        let mac = chain::MacKey::from_signer(&files.load_or_create_signer()?);
        let target = files.load_or_create_next()?;
        store.switch_current_kek(&target.id()).await?;
        let moved = keys::rewrap_all(store, &ring, &mac, &target, progress).await?;
        if let Some(previous) = files.load_previous()? {
            let still = key_count(store, &previous.id()).await?;
            if still > 0 {
                return Err(VaultError::Kek(format!(
                    "{still} data keys are still wrapped by {} (kek.previous); run `rapport keys rotate` again",
                    previous.id()
                )));
            }
        }
        files.promote_next()?;
        Ok(moved)
    }

    /// How many data keys each key wraps, and which key is current: for
    /// `rapport keys status`, and for deciding that a key file may go.
    pub async fn key_status(store: &rapport_store::Store) -> Result<KeyStatus> {
        Ok(KeyStatus {
            current: store.current_kek().await?,
            wrapped: store.keys_by_kek().await?,
        })
    }

    /// The id of the operator's configured key (`DATA_DIR/keys/kek` or `RAPPORT_KEK`).
    pub fn kek_id(&self) -> String {
        self.ring.configured().id()
    }

    /// Seals `plaintext` for the record at `at`, inside the transaction that stores the
    /// result, if the access rule allows `ctx` to write it; a write by anyone but the
    /// client is logged in the same transaction. Returns the bytes to store.
    pub async fn seal(
        &self,
        tx: &mut Tx,
        ctx: &AccessContext,
        at: &Locator<'_>,
        plaintext: &str,
    ) -> Result<Vec<u8>> {
        let permit = rule::permit(tx, ctx, at, Action::Write).await?;
        let dek = self.data_key(tx, at.client, true).await?;
        let sealed = seal::seal(&dek, at, plaintext.as_bytes());
        if permit == rule::Permit::Logged {
            chain::append(tx, &self.mac, ctx, at, Action::Write).await?;
        }
        Ok(sealed)
    }

    /// Opens a sealed value if the access rule allows `ctx` to read it, appending the
    /// access event in the same transaction.
    pub async fn open(
        &self,
        tx: &mut Tx,
        ctx: &AccessContext,
        at: &Locator<'_>,
        sealed: &[u8],
    ) -> Result<Clinical> {
        let permit = rule::permit(tx, ctx, at, Action::Read).await?;
        let dek = self.data_key(tx, at.client, false).await?;
        let bytes = seal::open(&dek, at, sealed)?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| VaultError::Tampered)?;
        if permit == rule::Permit::Logged {
            chain::append(tx, &self.mac, ctx, at, Action::Read).await?;
        }
        Ok(Clinical(Zeroizing::new(text)))
    }

    async fn data_key(
        &self,
        conn: &mut Conn,
        client: &rapport_core::UserId,
        create: bool,
    ) -> Result<Zeroizing<[u8; 32]>> {
        if let Some(k) = self.keys.get(client) {
            return Ok(k);
        }
        match keys::data_key(conn, &self.ring, client, false).await {
            Ok(k) => {
                // Only keys read from the database are cached: a key created in this
                // transaction could still be rolled back.
                self.keys.put(client, &k);
                Ok(k)
            }
            Err(VaultError::NoKey) if create => {
                keys::data_key(conn, &self.ring, client, true).await
            }
            Err(VaultError::NoKey) => Err(VaultError::Tampered),
            Err(e) => Err(e),
        }
    }

    /// Destroys a client's data key when their retention period has ended: every value
    /// sealed for them becomes unreadable for good, by anyone, while other clients' data
    /// is untouched. The client's access log records it, naming the retention job.
    pub async fn destroy_client_key(
        &self,
        tx: &mut Tx,
        client: &rapport_core::UserId,
    ) -> Result<bool> {
        self.keys.forget(client);
        keys::destroy(tx, &self.mac, SystemJob::Retention, client).await
    }

    /// Forgets a cached data key (after the transaction that destroyed it committed, so a
    /// read racing the destruction cannot leave the old key cached).
    pub fn forget_key(&self, client: &rapport_core::UserId) {
        self.keys.forget(client);
    }

    /// Signs the current head of the access chain (if it moved since the last checkpoint)
    /// and appends the checkpoint to the witnesses outside the database.
    pub async fn checkpoint(&self, store: &Store, witness: &Witness) -> Result<Option<i64>> {
        let Some(c) = chain::checkpoint(store, &self.signer).await? else {
            return Ok(None);
        };
        witness.record(&c)?;
        Ok(Some(c.seq))
    }

    /// Verifies the chain with this vault's keys, against what `witness` saw.
    pub async fn verify(&self, store: &Store, witness: &Witness) -> Result<Verification> {
        let public = self.verifying_key();
        let witnessed = witness.read(Some(&public))?;
        chain::verify(
            store,
            &Evidence {
                public: Some(&public),
                mac: Some(&self.mac),
                witnessed: &witnessed,
            },
        )
        .await
    }

    /// Gives events written before MACs existed their MAC, once per installation (the
    /// first server with this version does it at start-up, and its witness records it, so
    /// it cannot be made to happen again from inside the database); returns how many.
    pub async fn adopt_unprotected_events(
        &self,
        store: &Store,
        witness: &Witness,
    ) -> Result<usize> {
        if witness.adopted(&self.verifying_key())? {
            return Ok(0);
        }
        let Some(events) = store.events_to_adopt().await? else {
            // Done before (by another server, or before a restore): say so here too, so
            // that resetting the database's flag cannot start it again.
            let (seq, head) = store.audit_head().await?;
            witness.record_adopted(seq, &head, &self.signer)?;
            return Ok(0);
        };
        let macs: Vec<(i64, String)> = events
            .into_iter()
            .map(|(seq, hash)| (seq, self.mac.mac(&hash)))
            .collect();
        store.adopt_events(&macs).await?;
        // Grants made before grants were chained enter the chain now, as they are.
        let events = store.access_events().await?;
        let mut tx = store.begin_write().await?;
        let upgrade = AccessContext::job(access::SystemJob::Upgrade);
        for g in store.all_emergency_grants().await? {
            let logged = |action: &str| {
                events.iter().any(|e| {
                    e.record_kind == "emergency_grant"
                        && e.action == action
                        && e.record_id.split_once('#').map(|(id, _)| id) == Some(g.id.as_str())
                })
            };
            if !logged("grant") {
                self.log_grant(&mut tx, &upgrade, &g, Action::Grant, &g.made_digest())
                    .await?;
            }
            if let Some(digest) = g.ended_digest().filter(|_| !logged("end_grant")) {
                self.log_grant(&mut tx, &upgrade, &g, Action::EndGrant, &digest)
                    .await?;
            }
        }
        tx.commit().await?;
        let (seq, head) = store.audit_head().await?;
        witness.record_adopted(seq, &head, &self.signer)?;
        Ok(macs.len())
    }

    /// Gives an administrator break-glass access to one client's records, and records it
    /// in the client's access log in the same transaction (with the grant's fingerprint,
    /// so the grant cannot later be edited or removed unseen).
    pub async fn grant_emergency(
        &self,
        tx: &mut Tx,
        admin: &AccessContext,
        client: &rapport_core::UserId,
        reason: &str,
        minutes: i64,
    ) -> Result<rapport_store::emergency::EmergencyGrant> {
        let Some(admin_id) = admin
            .actor_id()
            .filter(|_| admin.role() == ActorRole::Admin)
        else {
            return Err(VaultError::NotPermitted);
        };
        let id = rapport_store::new_id();
        let reason_sealed = self
            .seal_secret(tx, SecretAt::grant_reason(&id), reason)
            .await?;
        let new = rapport_store::emergency::NewGrant {
            id: &id,
            admin: admin_id,
            client,
            reason_sealed,
            minutes,
        };
        let g = rapport_store::emergency::create_in(tx, new).await?;
        self.log_grant(tx, admin, &g, Action::Grant, &g.made_digest())
            .await?;
        Ok(g)
    }

    /// Ends a grant early, recording it; `None` if it had already ended.
    pub async fn end_emergency(
        &self,
        tx: &mut Tx,
        admin: &AccessContext,
        grant: &str,
    ) -> Result<Option<rapport_store::emergency::EmergencyGrant>> {
        if admin.role() != ActorRole::Admin {
            return Err(VaultError::NotPermitted);
        }
        let Some(g) = rapport_store::emergency::end_in(tx, grant).await? else {
            return Ok(None);
        };
        let digest = g.ended_digest().unwrap_or_default();
        self.log_grant(tx, admin, &g, Action::EndGrant, &digest)
            .await?;
        Ok(Some(g))
    }

    async fn log_grant(
        &self,
        tx: &mut Tx,
        admin: &AccessContext,
        g: &rapport_store::emergency::EmergencyGrant,
        action: Action,
        digest: &str,
    ) -> Result<()> {
        let client = rapport_core::UserId(g.client_id.clone());
        let row = format!("{}#{digest}", g.id);
        let at = Locator {
            client: &client,
            care: None,
            kind: RecordKind::EmergencyGrant,
            table: "emergency_grants",
            row_id: &row,
            field: "grant",
        };
        let ctx = admin.clone().under_grant(&g.id);
        chain::append(tx, &self.mac, &ctx, &at, action).await?;
        Ok(())
    }

    /// The public key checkpoints are verified with.
    pub fn verifying_key(&self) -> ed25519_dalek::VerifyingKey {
        self.signer.verifying_key()
    }
}
