//! `rapport restore`: proves a backup can be used before it replaces anything — no
//! server is using the data; the file is whole (not truncated) and consistent; its
//! migrations are known; its access log verifies; its data keys are wrapped by keys that
//! are here and unwrap; sample sealed values open; and it belongs to this installation.

use crate::backup::{bytes_bar, watch};
use anyhow::{bail, Context, Result};
use indicatif::ProgressBar;
use rapport_store::{Backend, Store};
use rapport_vault::{chain, check, KeyFiles, Verification};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Checks a candidate database (a copy of the backup): migrations known, access log
/// intact, this installation's, keys present and working.
async fn check(store: &Store, keys: &KeyFiles) -> Result<String> {
    if !store.migrations_current().await? {
        bail!("the backup's migrations do not match this version of Rapport");
    }
    if let (Some(backup), Some(here)) = (store.instance_id().await?, check::instance_of(keys)?) {
        if backup != here {
            bail!(
                "the backup is of installation {backup}, but {} holds the keys of installation {here}; \
                 restore into that installation's data directory",
                keys.dir.display()
            );
        }
    }
    let keys_ok = check::check_keys(store, keys)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let trusted = keys.public_key()?;
    let mac = keys
        .load_signer()?
        .map(|s| rapport_vault::MacKey::from_signer(&s));
    // The backup's log is checked on its own: the witnesses have seen the live log go
    // further than any backup.
    let evidence = rapport_vault::Evidence {
        public: trusted.as_ref(),
        mac: mac.as_ref(),
        witnessed: &[],
    };
    match chain::verify(store, &evidence).await? {
        Verification::Intact {
            events,
            checkpoints,
        } => Ok(format!(
            "{events} access events, {checkpoints} signed checkpoints, all intact; \
             {} data keys unwrapped and {} sealed records opened with the keys here",
            keys_ok.keys, keys_ok.sealed
        )),
        Verification::Broken { seq, reason } => {
            bail!("the backup's access log is broken at event #{seq}: {reason}")
        }
    }
}

/// Reads the SQLite header: the file must be a database, and as long as the header says
/// (a copy cut short — a full disk, an interrupted transfer — is refused clearly).
fn check_sqlite_file(from: &Path) -> Result<()> {
    let len = std::fs::metadata(from)?.len();
    let mut header = [0u8; 100];
    let read = std::io::Read::read(&mut std::fs::File::open(from)?, &mut header)?;
    if read < 16 || &header[..16] != b"SQLite format 3\0" {
        bail!(
            "{} is not an SQLite database; nothing was replaced",
            from.display()
        );
    }
    if read < 100 {
        bail!(
            "{} is truncated ({len} bytes): nothing was replaced",
            from.display()
        );
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    let counter = &header[24..28];
    let valid_for = &header[92..96];
    // The page count in the header is only meaningful when these agree (SQLite's rule).
    if counter == valid_for && pages > 0 && len < pages * page_size {
        bail!(
            "{} is truncated: it has {len} bytes of the {} its header describes; nothing was replaced",
            from.display(),
            pages * page_size
        );
    }
    Ok(())
}

pub async fn restore(url: &str, data_dir: &Path, from: &Path) -> Result<()> {
    replace(url, data_dir, from).await?;
    // The witnesses saw the live log go further than this backup: record, signed, that the
    // log now ends where the backup's does, so verification holds it to that from here.
    let keys = KeyFiles::new(data_dir.join("keys"));
    if let Some(signer) = keys.load_signer()? {
        let store = Store::connect(url).await?;
        let (seq, head) = store.audit_head().await?;
        store.close().await;
        rapport_vault::Witness::new(data_dir, &crate::witnesses_from_env())
            .record_restore(seq, &head, &signer)?;
    }
    Ok(())
}

async fn replace(url: &str, data_dir: &Path, from: &Path) -> Result<()> {
    if !from.exists() {
        bail!("{} does not exist", from.display());
    }
    let keys = KeyFiles::new(data_dir.join("keys"));
    match Backend::from_url(url)? {
        Backend::Sqlite => {
            let _lock = crate::lock_data_dir(data_dir)
                .context("restore replaces the database, so no server may be using it")?;
            check_sqlite_file(from)?;
            let target = PathBuf::from(
                url.trim_start_matches("sqlite://")
                    .split('?')
                    .next()
                    .unwrap_or_default(),
            );
            let staging = target.with_extension("db.restoring");
            let _ = std::fs::remove_file(&staging);
            let bar = bytes_bar(std::fs::metadata(from)?.len(), "Copying the backup");
            let (from_owned, staging_owned) = (from.to_path_buf(), staging.clone());
            watch(
                &staging,
                &bar,
                tokio::task::spawn_blocking(move || std::fs::copy(from_owned, staging_owned)),
            )
            .await??;
            bar.finish();
            // Check the copy; the live database is untouched until it passes.
            let checked = async {
                let candidate = Store::connect(&format!("sqlite://{}", staging.display())).await?;
                let integrity = candidate.integrity_check().await?;
                let summary = if integrity == "ok" {
                    check(&candidate, &keys).await
                } else {
                    Err(anyhow::anyhow!("the backup file is damaged: {integrity}"))
                };
                candidate.close().await;
                summary
            }
            .await;
            let summary = match checked {
                Ok(s) => s,
                Err(e) => {
                    let _ = std::fs::remove_file(&staging);
                    return Err(
                        e.context("the backup did not pass its checks; nothing was replaced")
                    );
                }
            };
            for ext in ["db-wal", "db-shm"] {
                let _ = std::fs::remove_file(target.with_extension(ext));
            }
            std::fs::rename(&staging, &target)?;
            println!(
                "Restored {} after checking it: {summary}.",
                target.display()
            );
        }
        Backend::Postgres => {
            let listed = tokio::process::Command::new("pg_restore")
                .arg("--list")
                .arg(from)
                .output()
                .await?;
            if !listed.status.success() {
                bail!(
                    "{} is not a whole pg_dump archive (damaged or truncated); nothing was replaced",
                    from.display()
                );
            }
            // Check in a scratch database first, so a bad backup replaces nothing.
            let scratch = format!(
                "rapport_restore_check_{}",
                rapport_store::new_id().replace('-', "")
            );
            let admin = Store::connect(url).await?;
            let others = admin.other_sessions().await?;
            if others > 0 {
                bail!(
                    "{others} other connections are using this database (a running server?); \
                     stop them first: restore replaces what they are working on"
                );
            }
            admin.create_database(&scratch).await?;
            let mut scratch_url = url::Url::parse(url)?;
            scratch_url.set_path(&scratch);
            let outcome = async {
                let ok = tokio::process::Command::new("pg_restore")
                    .args(["--no-owner", "--dbname"])
                    .arg(scratch_url.as_str())
                    .arg(from)
                    .status()
                    .await?;
                if !ok.success() {
                    bail!("pg_restore could not load the backup");
                }
                let candidate = Store::connect(scratch_url.as_str()).await?;
                let summary = check(&candidate, &keys).await;
                candidate.close().await;
                summary
            }
            .await;
            admin.drop_database(&scratch).await?;
            let summary = outcome?;
            let bar = ProgressBar::new_spinner();
            bar.set_message("Restoring into the live database");
            bar.enable_steady_tick(Duration::from_millis(100));
            let ok = tokio::process::Command::new("pg_restore")
                .args([
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                ])
                .arg(url)
                .arg(from)
                .status()
                .await?;
            bar.finish_and_clear();
            if !ok.success() {
                bail!("pg_restore failed; the database was left as it was (single transaction)");
            }
            println!("Restored after checking the backup: {summary}.");
        }
    }
    Ok(())
}
