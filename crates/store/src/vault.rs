//! The vault's tables: per-client data keys (stored only wrapped), the hash-chained
//! access events with their head row, and signed checkpoints. The vault decides what goes
//! in them; this module only reads and writes rows.

use crate::tx::Conn;
use crate::{now_ms, Result, Store, Tx};

/// One access to a client's clinical content, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct AccessEvent {
    pub seq: i64,
    pub client_id: String,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub record_kind: String,
    pub record_id: String,
    pub action: String,
    pub purpose: String,
    pub emergency: i64,
    pub at: i64,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// HMAC of `hash` under the audit MAC key (hex); `None` only before adoption.
    pub mac: Option<String>,
}

/// A signed checkpoint of the chain's head.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Checkpoint {
    pub seq: i64,
    pub head_hash: String,
    pub signed_at: i64,
    pub public_key: String,
    pub signature: String,
}

/// A sealed value with everything that says where it belongs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SealedSample {
    pub client_id: String,
    pub care_id: Option<String>,
    pub kind: String,
    pub tbl: String,
    pub row_id: String,
    pub field: String,
    pub sealed: Vec<u8>,
}

/// A client's data key as stored: the key-encryption key it is wrapped under, and the
/// wrapped key (`None` once destroyed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WrappedKey {
    pub client_id: String,
    pub kek_id: String,
    pub wrapped_dek: Option<Vec<u8>>,
}

const EVENT_COLUMNS: &str =
    "seq, client_id, actor_id, actor_role, record_kind, record_id, action, \
                             purpose, emergency, at, request_id, prev_hash, hash, mac";

/// The client's wrapped data key, if one was ever made.
pub async fn client_key(conn: &mut Conn, client: &str) -> Result<Option<WrappedKey>> {
    Ok(sqlx::query_as(
        "SELECT client_id, kek_id, wrapped_dek FROM client_keys WHERE client_id = $1",
    )
    .bind(client)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Stores a new wrapped data key; if another writer stored one first, theirs stays.
pub async fn insert_client_key(
    conn: &mut Conn,
    client: &str,
    kek_id: &str,
    wrapped: Vec<u8>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO client_keys (client_id, kek_id, wrapped_dek, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (client_id) DO NOTHING",
    )
    .bind(client)
    .bind(kek_id)
    .bind(wrapped)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Forgets a client's wrapped key for good; true if there was one to destroy.
pub async fn destroy_client_key(conn: &mut Conn, client: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE client_keys SET wrapped_dek = NULL, destroyed_at = $2 WHERE client_id = $1 AND wrapped_dek IS NOT NULL",
    )
    .bind(client)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes the next position in the chain: returns its number and the previous hash.
/// Updating the head row first serialises appenders on both backends.
pub async fn take_head(conn: &mut Conn) -> Result<(i64, String)> {
    Ok(
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Appends an event and moves the head to its hash.
pub async fn append_event(conn: &mut Conn, e: &AccessEvent) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO access_events ({EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(e.seq)
    .bind(&e.client_id)
    .bind(&e.actor_id)
    .bind(&e.actor_role)
    .bind(&e.record_kind)
    .bind(&e.record_id)
    .bind(&e.action)
    .bind(&e.purpose)
    .bind(e.emergency)
    .bind(e.at)
    .bind(&e.request_id)
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .bind(&e.mac)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&e.hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Takes the key turn (inside the caller's transaction) and returns the id of the
/// key-encryption key new data keys must be wrapped with; on the first call ever, `first`
/// becomes it.
pub async fn current_kek_for_new_key(conn: &mut Conn, first: &str) -> Result<String> {
    let (current,): (Option<String>,) = sqlx::query_as(
        "UPDATE vault_state SET key_turn = key_turn + 1 WHERE id = 1 RETURNING current_kek_id",
    )
    .fetch_one(&mut *conn)
    .await?;
    if let Some(id) = current {
        return Ok(id);
    }
    sqlx::query("UPDATE vault_state SET current_kek_id = $1 WHERE id = 1")
        .bind(first)
        .execute(&mut *conn)
        .await?;
    Ok(first.to_string())
}

/// True when `admin` holds a live emergency grant `grant` for `client`.
pub async fn live_grant(conn: &mut Conn, grant: &str, admin: &str, client: &str) -> Result<bool> {
    let live: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM emergency_grants WHERE id = $1 AND admin_id = $2 AND client_id = $3 \
         AND ended_at IS NULL AND expires_at > $4",
    )
    .bind(grant)
    .bind(admin)
    .bind(client)
    .bind(now_ms())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(live.is_some())
}

impl Store {
    /// The newest event's position and hash, and the newest checkpoint's position.
    pub async fn audit_heads(&self) -> Result<(Option<(i64, String)>, Option<i64>)> {
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM access_events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(self.pool())
                .await?;
        let (last,): (Option<i64>,) = sqlx::query_as("SELECT MAX(seq) FROM audit_checkpoints")
            .fetch_one(self.pool())
            .await?;
        Ok((head, last))
    }

    /// Stores a checkpoint (another server may have signed the same head first: then
    /// theirs stays).
    pub async fn insert_checkpoint(&self, c: &Checkpoint) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_checkpoints (seq, head_hash, signed_at, public_key, signature) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (seq) DO NOTHING",
        )
        .bind(c.seq)
        .bind(&c.head_hash)
        .bind(c.signed_at)
        .bind(&c.public_key)
        .bind(&c.signature)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Every access event in chain order.
    pub async fn access_events(&self) -> Result<Vec<AccessEvent>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM access_events ORDER BY seq"
        ))
        .fetch_all(self.pool())
        .await?)
    }

    /// The chain's head row as stored (position and hash of the last event).
    pub async fn audit_head(&self) -> Result<(i64, String)> {
        Ok(
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Events without a MAC, once, for the vault to adopt (see the migration); false if
    /// they were adopted before.
    pub async fn events_to_adopt(&self) -> Result<Option<Vec<(i64, String)>>> {
        let (done,): (i64,) = sqlx::query_as("SELECT macs_adopted FROM vault_state WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        if done != 0 {
            return Ok(None);
        }
        Ok(Some(
            sqlx::query_as("SELECT seq, hash FROM access_events WHERE mac IS NULL ORDER BY seq")
                .fetch_all(self.pool())
                .await?,
        ))
    }

    /// Stores the MACs of adopted events and marks adoption done, at once.
    pub async fn adopt_events(&self, macs: &[(i64, String)]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for (seq, mac) in macs {
            sqlx::query("UPDATE access_events SET mac = $2 WHERE seq = $1 AND mac IS NULL")
                .bind(seq)
                .bind(mac)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE vault_state SET macs_adopted = 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every checkpoint in chain order.
    pub async fn audit_checkpoints(&self) -> Result<Vec<Checkpoint>> {
        Ok(sqlx::query_as(
            "SELECT seq, head_hash, signed_at, public_key, signature FROM audit_checkpoints ORDER BY seq",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// A client's access events, newest first (`limit` of them).
    pub async fn access_events_for_client(
        &self,
        client: &str,
        limit: i64,
    ) -> Result<Vec<AccessEvent>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM access_events WHERE client_id = $1 ORDER BY seq DESC LIMIT $2"
        ))
        .bind(client)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// How many live data keys are wrapped under a key other than `kek_id`.
    pub async fn keys_not_under(&self, kek_id: &str) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM client_keys WHERE wrapped_dek IS NOT NULL AND kek_id <> $1",
        )
        .bind(kek_id)
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }

    /// Up to `limit` live data keys wrapped under a key other than `kek_id`.
    pub async fn keys_to_rewrap(&self, kek_id: &str, limit: i64) -> Result<Vec<WrappedKey>> {
        Ok(sqlx::query_as(
            "SELECT client_id, kek_id, wrapped_dek FROM client_keys \
             WHERE wrapped_dek IS NOT NULL AND kek_id <> $1 ORDER BY client_id LIMIT $2",
        )
        .bind(kek_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// The key-encryption key new data keys are wrapped with (`None` before the first).
    pub async fn current_kek(&self) -> Result<Option<String>> {
        let (current,): (Option<String>,) =
            sqlx::query_as("SELECT current_kek_id FROM vault_state WHERE id = 1")
                .fetch_one(self.pool())
                .await?;
        Ok(current)
    }

    /// Makes `kek_id` the key new data keys are wrapped with, on every server. It takes
    /// the key turn, so it waits for any key being made under the old one to commit
    /// (which the rotation then re-wraps); after it, none is made under the old one.
    pub async fn switch_current_kek(&self, kek_id: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE vault_state SET current_kek_id = $1, key_turn = key_turn + 1 WHERE id = 1",
        )
        .bind(kek_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A client's wrapped data key (outside any transaction).
    pub async fn wrapped_key(&self, client: &str) -> Result<Option<WrappedKey>> {
        let mut conn = self.pool().acquire().await?;
        client_key(&mut conn, client).await
    }

    /// The installation this database belongs to (`None` before it was first served).
    pub async fn instance_id(&self) -> Result<Option<String>> {
        let (id,): (Option<String>,) =
            sqlx::query_as("SELECT instance_id FROM vault_state WHERE id = 1")
                .fetch_one(self.pool())
                .await?;
        Ok(id)
    }

    /// Names the installation, once: false if it already had another name.
    pub async fn claim_instance_id(&self, id: &str) -> Result<bool> {
        sqlx::query("UPDATE vault_state SET instance_id = $1 WHERE id = 1 AND instance_id IS NULL")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(self.instance_id().await?.as_deref() == Some(id))
    }

    /// Up to `limit` live data keys, for checking that a backup's keys can be unwrapped.
    pub async fn sample_keys(&self, limit: i64) -> Result<Vec<WrappedKey>> {
        Ok(sqlx::query_as(
            "SELECT client_id, kek_id, wrapped_dek FROM client_keys \
             WHERE wrapped_dek IS NOT NULL ORDER BY client_id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Up to `limit` sealed values of each kind whose place is known here (contact
    /// requests, notes on care, license evidence), for checking that a backup opens.
    pub async fn sample_sealed(&self, limit: i64) -> Result<Vec<SealedSample>> {
        let mut out: Vec<SealedSample> = sqlx::query_as(
            "SELECT r.client_id AS client_id, r.id AS care_id, 'contact_request' AS kind, \
             'contact_requests' AS tbl, q.id AS row_id, 'text' AS field, q.body_sealed AS sealed \
             FROM contact_requests q JOIN care_relationships r ON r.id = q.relationship_id \
             ORDER BY q.created_at LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        out.extend(
            sqlx::query_as::<_, SealedSample>(
                "SELECT l.therapist_id AS client_id, CAST(NULL AS TEXT) AS care_id, 'license_evidence' AS kind, \
                 'license_evidence' AS tbl, e.license_id AS row_id, 'sealed' AS field, e.sealed AS sealed \
                 FROM license_evidence e JOIN licenses l ON l.id = e.license_id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(self.pool())
            .await?,
        );
        Ok(out)
    }

    /// How many live data keys each key-encryption key wraps.
    pub async fn keys_by_kek(&self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT kek_id, COUNT(*) FROM client_keys WHERE wrapped_dek IS NOT NULL GROUP BY kek_id ORDER BY kek_id",
        )
        .fetch_all(self.pool())
        .await?)
    }
}

/// Replaces a wrapped key, only if it is still wrapped under `old_kek` (a compare-and-set,
/// so an interrupted or concurrent rotation cannot overwrite a newer wrapping).
pub async fn rewrap_key(
    tx: &mut Tx,
    client: &str,
    old_kek: &str,
    new_kek: &str,
    wrapped: Vec<u8>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE client_keys SET kek_id = $3, wrapped_dek = $4, rewrapped_at = $5 \
         WHERE client_id = $1 AND kek_id = $2 AND wrapped_dek IS NOT NULL",
    )
    .bind(client)
    .bind(old_kek)
    .bind(new_kek)
    .bind(wrapped)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
