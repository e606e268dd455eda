//! The access log as a hash chain. Each event stores the SHA-256 of the previous event's
//! hash and its own canonical content; checkpoints sign the head with Ed25519. `verify`
//! recomputes everything and names the first event that does not fit.

use crate::access::{AccessContext, Action};
use crate::seal::Locator;
use crate::Result;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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
}

impl AccessEvent {
    /// The canonical text that is hashed: fixed field order, JSON-escaped values.
    pub fn canonical(&self) -> String {
        serde_json::json!([
            self.seq,
            self.client_id,
            self.actor_id,
            self.actor_role,
            self.record_kind,
            self.record_id,
            self.action,
            self.purpose,
            self.emergency,
            self.at,
            self.request_id
        ])
        .to_string()
    }

    pub fn compute_hash(&self) -> String {
        hex::encode(
            Sha256::new()
                .chain_update(self.prev_hash.as_bytes())
                .chain_update(b"\n")
                .chain_update(self.canonical().as_bytes())
                .finalize(),
        )
    }
}

const COLUMNS: &str = "seq, client_id, actor_id, actor_role, record_kind, record_id, action, \
                       purpose, emergency, at, request_id, prev_hash, hash";

/// Appends an access event unless the client is acting on their own records.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    ctx: &AccessContext,
    at: &Locator<'_>,
    action: Action,
) -> Result<()> {
    if ctx.is_the_client(at.client) {
        return Ok(());
    }
    append(conn, ctx, at, action).await.map(|_| ())
}

async fn append(
    conn: &mut AnyConnection,
    ctx: &AccessContext,
    at: &Locator<'_>,
    action: Action,
) -> Result<i64> {
    // Taking the head row first serialises appenders on both backends.
    let (seq, prev_hash): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *conn)
            .await?;
    let mut event = AccessEvent {
        seq,
        client_id: at.client.to_string(),
        actor_id: ctx.actor.as_ref().map(|a| a.to_string()),
        actor_role: ctx.role.as_str().into(),
        record_kind: at.kind.as_str().into(),
        record_id: at.row_id.into(),
        action: action.as_str().into(),
        purpose: ctx.purpose.as_str().into(),
        emergency: ctx.is_emergency() as i64,
        at: rapport_store::now_ms(),
        request_id: ctx.request_id.clone(),
        prev_hash,
        hash: String::new(),
    };
    event.hash = event.compute_hash();
    sqlx::query(&format!(
        "INSERT INTO access_events ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(event.seq)
    .bind(&event.client_id)
    .bind(&event.actor_id)
    .bind(&event.actor_role)
    .bind(&event.record_kind)
    .bind(&event.record_id)
    .bind(&event.action)
    .bind(&event.purpose)
    .bind(event.emergency)
    .bind(event.at)
    .bind(&event.request_id)
    .bind(&event.prev_hash)
    .bind(&event.hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&event.hash)
        .execute(&mut *conn)
        .await?;
    Ok(seq)
}

fn checkpoint_message(seq: i64, head: &str) -> Vec<u8> {
    format!("rapport-audit-checkpoint:v1:{seq}:{head}").into_bytes()
}

pub(crate) async fn checkpoint(
    conn: &mut AnyConnection,
    signer: &SigningKey,
) -> Result<Option<i64>> {
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM access_events ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let Some((seq, hash)) = head else {
        return Ok(None);
    };
    let (last,): (Option<i64>,) = sqlx::query_as("SELECT MAX(seq) FROM audit_checkpoints")
        .fetch_one(&mut *conn)
        .await?;
    if last.is_some_and(|l| l >= seq) {
        return Ok(None);
    }
    let signature = signer.sign(&checkpoint_message(seq, &hash));
    sqlx::query(
        "INSERT INTO audit_checkpoints (seq, head_hash, signed_at, public_key, signature) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(seq)
    .bind(&hash)
    .bind(rapport_store::now_ms())
    .bind(hex::encode(signer.verifying_key().to_bytes()))
    .bind(hex::encode(signature.to_bytes()))
    .execute(&mut *conn)
    .await?;
    Ok(Some(seq))
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact {
        events: i64,
        checkpoints: i64,
    },
    /// The first event (by position) that does not fit, and why.
    Broken {
        seq: i64,
        reason: String,
    },
}

/// Re-checks every event and checkpoint. `trusted` is the operator's public key; without
/// it checkpoints are checked against the key they name (weaker: a forger could re-sign).
pub async fn verify(
    conn: &mut AnyConnection,
    trusted: Option<&VerifyingKey>,
) -> Result<Verification> {
    let events: Vec<AccessEvent> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM access_events ORDER BY seq"))
            .fetch_all(&mut *conn)
            .await?;
    let mut prev = GENESIS.to_string();
    for (i, e) in events.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            return Ok(broken(
                expected_seq.min(e.seq),
                format!(
                    "event {expected_seq} is missing (found {} in its place)",
                    e.seq
                ),
            ));
        }
        if e.prev_hash != prev {
            return Ok(broken(e.seq, "its link to the previous event is wrong (an event before it was removed, reordered or changed)".into()));
        }
        if e.compute_hash() != e.hash {
            return Ok(broken(
                e.seq,
                "its content does not match its hash (it was edited)".into(),
            ));
        }
        prev = e.hash.clone();
    }
    let checkpoints: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT seq, head_hash, public_key, signature FROM audit_checkpoints ORDER BY seq",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (seq, head, public_key, signature) in &checkpoints {
        let key = match trusted {
            Some(k) => *k,
            None => match hex::decode(public_key)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .and_then(|b| VerifyingKey::from_bytes(&b).ok())
            {
                Some(k) => k,
                None => {
                    return Ok(broken(
                        *seq,
                        "a checkpoint names an invalid public key".into(),
                    ))
                }
            },
        };
        let sig_ok = hex::decode(signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| {
                key.verify(&checkpoint_message(*seq, head), &Signature::from_bytes(&b))
                    .is_ok()
            })
            .unwrap_or(false);
        if !sig_ok {
            return Ok(broken(
                *seq,
                "the checkpoint at this event has a bad signature".into(),
            ));
        }
        match events.get((*seq - 1).max(0) as usize) {
            Some(e) if e.seq == *seq && &e.hash == head => {}
            Some(_) => {
                return Ok(broken(
                    *seq,
                    "this event differs from what the signed checkpoint recorded".into(),
                ))
            }
            None => {
                return Ok(broken(
                    *seq,
                    "events up to this signed checkpoint were deleted".into(),
                ))
            }
        }
    }
    Ok(Verification::Intact {
        events: events.len() as i64,
        checkpoints: checkpoints.len() as i64,
    })
}

fn broken(seq: i64, reason: String) -> Verification {
    Verification::Broken { seq, reason }
}

/// A client's access events, newest first (for their privacy centre).
pub async fn events_for_client(
    conn: &mut AnyConnection,
    client: &str,
    limit: i64,
) -> Result<Vec<AccessEvent>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM access_events WHERE client_id = $1 ORDER BY seq DESC LIMIT $2"
    ))
    .bind(client)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}
