//! The access log as a hash chain. Each event stores the SHA-256 of the previous event's
//! hash and its own canonical content, and a MAC of that hash under a key that is never in
//! the database; checkpoints sign the head with Ed25519 and are also written to witness
//! files outside the database. `verify` recomputes everything, holds the database against
//! the latest witnessed head, and names the first thing that does not fit. What it
//! detects, and within what window, is stated in docs/VAULT.md.

use crate::access::{AccessContext, Action};
use crate::seal::Locator;
use crate::Result;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
pub use rapport_store::vault::AccessEvent;
pub use rapport_store::vault::Checkpoint;
use rapport_store::{Conn, Store};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The key event MACs are made with: derived from the audit signing key, so it lives only
/// beside the keys (never in the database, never in a backup).
#[derive(Clone)]
pub struct MacKey(Zeroizing<[u8; 32]>);

impl MacKey {
    pub fn from_signer(signer: &SigningKey) -> Self {
        let k: [u8; 32] = Sha256::new()
            .chain_update(b"rapport-audit-mac:v1")
            .chain_update(signer.to_bytes())
            .finalize()
            .into();
        Self(Zeroizing::new(k))
    }

    pub(crate) fn mac(&self, hash: &str) -> String {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        m.update(hash.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    fn check(&self, hash: &str, mac: Option<&str>) -> bool {
        let Some(mac) = mac.and_then(|m| hex::decode(m).ok()) else {
            return false;
        };
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        m.update(hash.as_bytes());
        m.verify_slice(&mac).is_ok()
    }
}

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
    mac_key: &MacKey,
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
        mac: None,
    };
    event.hash = event.compute_hash();
    event.mac = Some(mac_key.mac(&event.hash));
    rapport_store::vault::append_event(conn, &event).await?;
    Ok(seq)
}

fn checkpoint_message(seq: i64, head: &str) -> Vec<u8> {
    format!("rapport-audit-checkpoint:v1:{seq}:{head}").into_bytes()
}

/// Signs the head of the chain if it moved since the last checkpoint; returns the new
/// checkpoint (for the witnesses).
pub(crate) async fn checkpoint(store: &Store, signer: &SigningKey) -> Result<Option<Checkpoint>> {
    let (head, last) = store.audit_heads().await?;
    let Some((seq, hash)) = head else {
        return Ok(None);
    };
    if last.is_some_and(|l| l >= seq) {
        return Ok(None);
    }
    let signature = signer.sign(&checkpoint_message(seq, &hash));
    let c = Checkpoint {
        seq,
        head_hash: hash,
        signed_at: rapport_store::now_ms(),
        public_key: hex::encode(signer.verifying_key().to_bytes()),
        signature: hex::encode(signature.to_bytes()),
    };
    store.insert_checkpoint(&c).await?;
    Ok(Some(c))
}

/// Whether `c` is signed by `key` (or, without a trusted key, by the key it names).
fn signed(c: &Checkpoint, trusted: Option<&VerifyingKey>) -> bool {
    let key = match trusted {
        Some(k) => *k,
        None => match hex::decode(&c.public_key)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        {
            Some(k) => k,
            None => return false,
        },
    };
    hex::decode(&c.signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .is_some_and(|b| {
            key.verify(
                &checkpoint_message(c.seq, &c.head_hash),
                &Signature::from_bytes(&b),
            )
            .is_ok()
        })
}

/// What verification holds the database against, besides the database itself.
#[derive(Default)]
pub struct Evidence<'a> {
    /// The operator's public key (without it, checkpoints are checked against the key
    /// they name, which a forger could replace).
    pub public: Option<&'a VerifyingKey>,
    /// The MAC key (without it, events added by someone with only database access would
    /// not be caught).
    pub mac: Option<&'a MacKey>,
    /// Checkpoints the witnesses recorded outside the database.
    pub witnessed: &'a [Checkpoint],
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

/// Re-checks every event, its MAC, every checkpoint (in the database and witnessed
/// outside it), the chain's head row and the break-glass grants.
pub async fn verify(store: &Store, evidence: &Evidence<'_>) -> Result<Verification> {
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
        if let Some(key) = evidence.mac {
            if !key.check(&e.hash, e.mac.as_deref()) {
                return Ok(broken(
                    e.seq,
                    "its MAC is missing or wrong: it was not written by Rapport (forged or rewritten)".into(),
                ));
            }
        }
        prev = e.hash.clone();
    }
    let last = events.last().map(|e| (e.seq, e.hash.clone()));
    let (head_seq, head_hash) = store.audit_head().await?;
    if (head_seq, head_hash.as_str())
        != last
            .as_ref()
            .map(|(s, h)| (*s, h.as_str()))
            .unwrap_or((0, GENESIS))
    {
        return Ok(broken(
            head_seq.min(last.as_ref().map(|l| l.0).unwrap_or(0)).max(1),
            format!(
                "the chain's head row says event {head_seq}, but the log ends at event {} (events were deleted, or the head was moved)",
                last.as_ref().map(|l| l.0).unwrap_or(0)
            ),
        ));
    }
    let checkpoints = store.audit_checkpoints().await?;
    let in_db: std::collections::BTreeMap<i64, &Checkpoint> =
        checkpoints.iter().map(|c| (c.seq, c)).collect();
    // Every checkpoint, from the database and from the witnesses, must be signed and must
    // match the event it names; a witnessed one must still be in the database.
    for (c, witnessed) in checkpoints
        .iter()
        .map(|c| (c, false))
        .chain(evidence.witnessed.iter().map(|c| (c, true)))
    {
        if !signed(c, evidence.public) {
            if witnessed {
                continue; // a line the witness cannot vouch for proves nothing
            }
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
                    "this event differs from what a signed checkpoint recorded".into(),
                ))
            }
            None => {
                return Ok(broken(
                    c.seq,
                    format!(
                        "events up to this signed checkpoint were deleted (the log now ends at event {})",
                        events.len()
                    ),
                ))
            }
        }
        if witnessed && !in_db.contains_key(&c.seq) {
            return Ok(broken(
                c.seq,
                "the checkpoint signed at this event was deleted from the database".into(),
            ));
        }
    }
    if let Some(problem) = grants_problem(store, &events).await? {
        return Ok(problem);
    }
    Ok(Verification::Intact {
        events: events.len() as i64,
        checkpoints: checkpoints.len() as i64,
    })
}

/// Every break-glass grant must be in the chain as it is now: made (and, if ended, ended)
/// by an event carrying its fingerprint; and every such event must have its grant.
async fn grants_problem(store: &Store, events: &[AccessEvent]) -> Result<Option<Verification>> {
    let grants = store.all_emergency_grants().await?;
    let logged = |action: &str, id: &str| {
        events.iter().find(|e| {
            e.record_kind == "emergency_grant"
                && e.action == action
                && e.record_id.split_once('#').map(|(g, _)| g) == Some(id)
        })
    };
    for g in &grants {
        match logged("grant", &g.id) {
            Some(e) if e.record_id == format!("{}#{}", g.id, g.made_digest()) => {}
            Some(e) => {
                return Ok(Some(broken(
                    e.seq,
                    "an emergency grant was changed after it was made".into(),
                )))
            }
            None => {
                return Ok(Some(broken(
                    events.len() as i64,
                    format!(
                        "emergency grant {} is not in the log (it was added, not granted)",
                        g.id
                    ),
                )))
            }
        }
        match (g.ended_digest(), logged("end_grant", &g.id)) {
            (None, None) => {}
            (Some(digest), Some(e)) if e.record_id == format!("{}#{digest}", g.id) => {}
            (Some(_), Some(e)) => {
                return Ok(Some(broken(
                    e.seq,
                    "an emergency grant's end was changed".into(),
                )))
            }
            (None, Some(e)) => {
                return Ok(Some(broken(
                    e.seq,
                    "an ended emergency grant was revived".into(),
                )))
            }
            (Some(_), None) => {
                return Ok(Some(broken(
                    events.len() as i64,
                    format!("emergency grant {} was ended outside Rapport", g.id),
                )))
            }
        }
    }
    for e in events.iter().filter(|e| e.record_kind == "emergency_grant") {
        let id = e.record_id.split_once('#').map(|(g, _)| g).unwrap_or("");
        if !grants.iter().any(|g| g.id == id) {
            return Ok(Some(broken(
                e.seq,
                "the emergency grant this event records was deleted".into(),
            )));
        }
    }
    Ok(None)
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
