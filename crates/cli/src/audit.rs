//! `rapport audit`: re-check the access log — its hash chain, every event's MAC, the
//! signed checkpoints in the database and in the witness files outside it, the chain's
//! head row, and the break-glass grants.

use anyhow::{Context, Result};
use rapport_vault::{chain, Evidence, KeyFiles, MacKey, Verification, Witness};

/// Verifies the whole log; returns whether it is intact (the caller sets the exit code).
pub async fn verify(
    store: &rapport_store::Store,
    keys: &KeyFiles,
    witness: &Witness,
) -> Result<bool> {
    let trusted = keys.public_key().context("reading the audit public key")?;
    if trusted.is_none() {
        eprintln!(
            "warning: {} not found; checkpoints are checked against the keys they name",
            keys.public_key_path().display()
        );
    }
    let mac = keys
        .load_signer()
        .context("reading the audit signing key")?
        .map(|s| MacKey::from_signer(&s));
    if mac.is_none() {
        eprintln!(
            "warning: {} not found; events added by someone with database access would not be caught",
            keys.signer_path().display()
        );
    }
    let witnessed = witness
        .read(trusted.as_ref())
        .context("reading the witness files")?;
    let evidence = Evidence {
        public: trusted.as_ref(),
        mac: mac.as_ref(),
        witnessed: &witnessed,
    };
    Ok(match chain::verify(store, &evidence).await? {
        Verification::Intact {
            events,
            checkpoints,
        } => {
            let seen = witnessed.last().map(|c| c.seq).unwrap_or(0);
            println!(
                "The access log is intact: {events} events, {checkpoints} signed checkpoints; \
                 it extends the latest head the witnesses saw (event {seen})."
            );
            true
        }
        Verification::Broken { seq, reason } => {
            println!("The access log has been tampered with. First bad event: #{seq} — {reason}.");
            false
        }
    })
}
