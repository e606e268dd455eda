//! The access log as a hash chain. Each event stores the SHA-256 of the previous event's
//! hash and its own canonical content; checkpoints sign the head with Ed25519. `verify`
//! recomputes everything and names the first event that does not fit.

use crate::access::{AccessContext, Action};
use crate::seal::Locator;
use crate::Result;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
pub use rapport_store::vault::AccessEvent;
use rapport_store::vault::Checkpoint;
use rapport_store::{Conn, Store};
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How an event is hashed into the chain.
pub trait ChainLink {
    /// The canonical text that is hashed: fixed field order, JSON-escaped values.
    fn canonical(&self) -> String;
    /// SHA-256 of the previous hash and the canonical text.
    fn compute_hash(&self) -> String;
}

impl ChainLink for AccessEvent {
    fn canonical(&self) -> String {
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

    fn compute_hash(&self) -> String {
        hex::encode(
            Sha256::new()
                .chain_update(self.prev_hash.as_bytes())
                .chain_update(b"\n")
                .chain_update(self.canonical().as_bytes())
                .finalize(),
        )
    }
}

/// Appends an access event for `action` on the record at `at` by `ctx`.
pub(crate) async fn append(
    conn: &mut Conn,
    ctx: &AccessContext,
    at: &Locator<'_>,
    action: Action,
) -> Result<i64> {
    let (seq, prev_hash) = rapport_store::vault::take_head(conn).await?;
    let mut event = AccessEvent {
        seq,
        client_id: at.client.to_string(),
        actor_id: Some(ctx.actor_name()),
        actor_role: ctx.role().as_str().into(),
        record_kind: at.kind.as_str().into(),
        record_id: at.row_id.into(),
        action: action.as_str().into(),
        purpose: ctx.purpose().as_str().into(),
        emergency: ctx.is_emergency() as i64,
        at: rapport_store::now_ms(),
        request_id: ctx.request_id().map(str::to_string),
        prev_hash,
        hash: String::new(),
    };
    event.hash = event.compute_hash();
    rapport_store::vault::append_event(conn, &event).await?;
    Ok(seq)
}

fn checkpoint_message(seq: i64, head: &str) -> Vec<u8> {
    format!("rapport-audit-checkpoint:v1:{seq}:{head}").into_bytes()
}

/// Signs the head of the chain if it moved since the last checkpoint.
pub(crate) async fn checkpoint(store: &Store, signer: &SigningKey) -> Result<Option<i64>> {
    let (head, last) = store.audit_heads().await?;
    let Some((seq, hash)) = head else {
        return Ok(None);
    };
    if last.is_some_and(|l| l >= seq) {
        return Ok(None);
    }
    let signature = signer.sign(&checkpoint_message(seq, &hash));
    store
        .insert_checkpoint(&Checkpoint {
            seq,
            head_hash: hash,
            signed_at: rapport_store::now_ms(),
            public_key: hex::encode(signer.verifying_key().to_bytes()),
            signature: hex::encode(signature.to_bytes()),
        })
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
pub async fn verify(store: &Store, trusted: Option<&VerifyingKey>) -> Result<Verification> {
    let events = store.access_events().await?;
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
    let checkpoints = store.audit_checkpoints().await?;
    for c in &checkpoints {
        let key = match trusted {
            Some(k) => *k,
            None => match hex::decode(&c.public_key)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .and_then(|b| VerifyingKey::from_bytes(&b).ok())
            {
                Some(k) => k,
                None => {
                    return Ok(broken(
                        c.seq,
                        "a checkpoint names an invalid public key".into(),
                    ))
                }
            },
        };
        let sig_ok = hex::decode(&c.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| {
                key.verify(
                    &checkpoint_message(c.seq, &c.head_hash),
                    &Signature::from_bytes(&b),
                )
                .is_ok()
            })
            .unwrap_or(false);
        if !sig_ok {
            return Ok(broken(
                c.seq,
                "the checkpoint at this event has a bad signature".into(),
            ));
        }
        match events.get((c.seq - 1).max(0) as usize) {
            Some(e) if e.seq == c.seq && e.hash == c.head_hash => {}
            Some(_) => {
                return Ok(broken(
                    c.seq,
                    "this event differs from what the signed checkpoint recorded".into(),
                ))
            }
            None => {
                return Ok(broken(
                    c.seq,
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
    store: &Store,
    client: &str,
    limit: i64,
) -> Result<Vec<AccessEvent>> {
    Ok(store.access_events_for_client(client, limit).await?)
}
