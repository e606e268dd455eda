//! Witnesses of the access chain outside the database: every checkpoint is appended, as a
//! line of JSON, to files that the database cannot reach — `DATA_DIR/audit/witness.jsonl`
//! and any others the operator names (a file on another volume, say). Someone who can
//! rewrite the database cannot rewrite these, so `rapport audit verify` can prove the
//! database still extends the latest head they saw.

use crate::chain::Checkpoint;
use crate::Result;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Serialize, Deserialize)]
struct Line {
    /// `checkpoint` (the default); `restore`: the database was replaced by a backup whose
    /// log ends here, so what was witnessed before no longer applies; or `adopted`: events
    /// from before MACs existed were given theirs, up to here (it happens once, so someone
    /// who can only write to the database cannot have forged events adopted later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    seq: i64,
    head: String,
    signed_at: i64,
    public_key: String,
    signature: String,
}

/// The files checkpoints are appended to.
#[derive(Debug, Clone, Default)]
pub struct Witness {
    paths: Vec<PathBuf>,
}

impl Witness {
    /// The data directory's own witness file, and any others.
    pub fn new(data_dir: &Path, others: &[PathBuf]) -> Self {
        let mut paths = vec![data_dir.join("audit").join("witness.jsonl")];
        paths.extend(others.iter().cloned());
        Self { paths }
    }

    /// Appends a checkpoint to every witness file, synced to disk before returning.
    pub fn record(&self, c: &Checkpoint) -> Result<()> {
        self.append(&Line {
            kind: None,
            seq: c.seq,
            head: c.head_hash.clone(),
            signed_at: c.signed_at,
            public_key: c.public_key.clone(),
            signature: c.signature.clone(),
        })
    }

    /// Records, signed, that the database was restored from a backup whose log ends at
    /// event `seq` with hash `head`: verification holds the database against what the
    /// witnesses see from here on.
    pub fn record_restore(&self, seq: i64, head: &str, signer: &SigningKey) -> Result<()> {
        self.record_marker("restore", seq, head, signer)
    }

    /// Records, signed, that events up to `seq` were adopted (given MACs).
    pub fn record_adopted(&self, seq: i64, head: &str, signer: &SigningKey) -> Result<()> {
        self.record_marker("adopted", seq, head, signer)
    }

    fn record_marker(&self, kind: &str, seq: i64, head: &str, signer: &SigningKey) -> Result<()> {
        let signed_at = rapport_store::now_ms();
        let signature = signer.sign(&marker_message(kind, seq, head, signed_at));
        self.append(&Line {
            kind: Some(kind.into()),
            seq,
            head: head.to_string(),
            signed_at,
            public_key: hex::encode(signer.verifying_key().to_bytes()),
            signature: hex::encode(signature.to_bytes()),
        })
    }

    /// Whether any witness file records, signed by `trusted`, that adoption happened since
    /// the last restore (a backup from before MACs existed is adopted once after it is
    /// restored).
    pub fn adopted(&self, trusted: &VerifyingKey) -> Result<bool> {
        for lines in self.files()? {
            let mut adopted = false;
            for l in &lines {
                if l.is_marker("adopted", Some(trusted)) {
                    adopted = true;
                } else if l.is_marker("restore", Some(trusted)) {
                    adopted = false;
                }
            }
            if adopted {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Every witness file's readable lines (unreadable ones are skipped: what a line claims
    /// is checked by its signature anyway).
    fn files(&self) -> Result<Vec<Vec<Line>>> {
        let mut out = Vec::new();
        for path in &self.paths {
            match std::fs::read_to_string(path) {
                Ok(text) => out.push(
                    text.lines()
                        .filter_map(|l| serde_json::from_str::<Line>(l).ok())
                        .collect(),
                ),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }

    fn append(&self, line: &Line) -> Result<()> {
        let line = serde_json::to_string(line).map_err(|e| std::io::Error::other(e.to_string()))?;
        for path in &self.paths {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            writeln!(f, "{line}")?;
            f.sync_data()?;
        }
        Ok(())
    }

    /// The checkpoints the witness files hold since the last restore each recorded (a
    /// restore record counts only if `trusted` signed it).
    pub fn read(&self, trusted: Option<&VerifyingKey>) -> Result<Vec<Checkpoint>> {
        let mut out = Vec::new();
        for lines in self.files()? {
            let mut here = Vec::new();
            for l in lines {
                if l.is_marker("restore", trusted) {
                    here.clear();
                }
                if l.kind.is_some() {
                    continue;
                }
                here.push(Checkpoint {
                    seq: l.seq,
                    head_hash: l.head,
                    signed_at: l.signed_at,
                    public_key: l.public_key,
                    signature: l.signature,
                });
            }
            out.extend(here);
        }
        out.sort_by_key(|c| c.seq);
        out.dedup_by(|a, b| a.seq == b.seq && a.head_hash == b.head_hash);
        Ok(out)
    }
}

impl Line {
    /// Whether this is a `kind` marker signed by `trusted` (never, without a trusted key).
    fn is_marker(&self, kind: &str, trusted: Option<&VerifyingKey>) -> bool {
        let message = marker_message(kind, self.seq, &self.head, self.signed_at);
        self.kind.as_deref() == Some(kind)
            && trusted.is_some_and(|key| {
                hex::decode(&self.signature)
                    .ok()
                    .and_then(|b| <[u8; 64]>::try_from(b).ok())
                    .is_some_and(|b| key.verify(&message, &Signature::from_bytes(&b)).is_ok())
            })
    }
}

/// What a marker line's signature covers.
fn marker_message(kind: &str, seq: i64, head: &str, at: i64) -> Vec<u8> {
    format!("rapport-audit-{kind}:v1:{seq}:{head}:{at}").into_bytes()
}
