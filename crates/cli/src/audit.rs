//! `rapport audit`: re-check the access log's hash chain and signed checkpoints.

use anyhow::{Context, Result};
use rapport_vault::{chain, KeyFiles, Verification};

/// Verifies the whole chain; returns whether it is intact (the caller sets the exit code).
pub async fn verify(store: &rapport_store::Store, keys: &KeyFiles) -> Result<bool> {
    let trusted = keys.public_key().context("reading the audit public key")?;
    if trusted.is_none() {
        eprintln!(
            "warning: {} not found; checkpoints are checked against the keys they name",
            keys.public_key_path().display()
        );
    }
    Ok(match chain::verify(store, trusted.as_ref()).await? {
        Verification::Intact {
            events,
            checkpoints,
        } => {
            println!(
                "The access log is intact: {events} events, {checkpoints} signed checkpoints."
            );
            true
        }
        Verification::Broken { seq, reason } => {
            println!("The access log has been tampered with. First bad event: #{seq} — {reason}.");
            false
        }
    })
}
