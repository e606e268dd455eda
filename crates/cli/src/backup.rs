//! `rapport backup` and `rapport restore`. A backup is a consistent snapshot taken while
//! the server runs (SQLite `VACUUM INTO`; `pg_dump` on PostgreSQL). Restore checks the
//! snapshot — integrity, migrations, the access log's chain and signatures — before it
//! replaces anything. Keys are never written into a backup: back up DATA_DIR/keys
//! separately, or the backup cannot be read.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rapport_store::{Backend, Store};
use rapport_vault::{chain, KeyFiles, Verification};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn bytes_bar(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total.max(1));
    bar.set_style(
        ProgressStyle::with_template(&format!("{what} {{bar:40}} {{bytes}}/{{total_bytes}}"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Polls the size of `path` into `bar` until `done` resolves.
async fn watch<F: std::future::Future>(path: &Path, bar: &ProgressBar, done: F) -> F::Output {
    tokio::pin!(done);
    loop {
        tokio::select! {
            out = &mut done => return out,
            _ = tokio::time::sleep(Duration::from_millis(100)) => {
                if let Ok(m) = std::fs::metadata(path) {
                    bar.set_position(m.len().min(bar.length().unwrap_or(u64::MAX)));
                }
            }
        }
    }
}

pub async fn backup(store: &Store, url: &str, out: &Path) -> Result<()> {
    if out.exists() {
        bail!("{} already exists; choose a new file name", out.display());
    }
    match store.backend() {
        Backend::Sqlite => {
            let bar = bytes_bar(store.size_bytes().await?.max(0) as u64, "Backing up");
            watch(out, &bar, store.sqlite_snapshot(out)).await?;
            bar.set_position(bar.length().unwrap_or(0));
            bar.finish();
        }
        Backend::Postgres => {
            let bar = bytes_bar(store.size_bytes().await?.max(0) as u64 / 4, "Backing up");
            let status = watch(
                out,
                &bar,
                tokio::process::Command::new("pg_dump")
                    .args(["--format=custom", "--no-owner", "--file"])
                    .arg(out)
                    .arg(url)
                    .status(),
            )
            .await
            .context("running pg_dump (install the PostgreSQL client tools)")?;
            if !status.success() {
                bail!("pg_dump failed ({status})");
            }
            bar.set_position(bar.length().unwrap_or(0));
            bar.finish();
        }
    }
    let len = std::fs::metadata(out)?.len();
    println!(
        "Backup written to {} ({len} bytes). Back up the key directory separately.",
        out.display()
    );
    Ok(())
}

/// Checks a restored or candidate database: migrations known, access log intact.
async fn check(store: &Store, keys: &KeyFiles) -> Result<String> {
    if !store.migrations_current().await? {
        bail!("the backup's migrations do not match this version of Rapport");
    }
    let trusted = keys.public_key()?;
    match chain::verify(store, trusted.as_ref()).await? {
        Verification::Intact {
            events,
            checkpoints,
        } => Ok(format!(
            "{events} access events, {checkpoints} signed checkpoints, all intact"
        )),
        Verification::Broken { seq, reason } => {
            bail!("the backup's access log is broken at event #{seq}: {reason}")
        }
    }
}

pub async fn restore(url: &str, data_dir: &Path, from: &Path) -> Result<()> {
    if !from.exists() {
        bail!("{} does not exist", from.display());
    }
    let keys = KeyFiles::new(data_dir.join("keys"));
    match Backend::from_url(url)? {
        Backend::Sqlite => {
            let mut header = [0u8; 16];
            let read = std::io::Read::read(&mut std::fs::File::open(from)?, &mut header)?;
            if read < 16 || &header != b"SQLite format 3\0" {
                bail!(
                    "{} is not an SQLite database; nothing was replaced",
                    from.display()
                );
            }
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
                bail!("{} is not a pg_dump archive", from.display());
            }
            // Check in a scratch database first, so a bad backup replaces nothing.
            let scratch = format!(
                "rapport_restore_check_{}",
                rapport_store::new_id().replace('-', "")
            );
            let admin = Store::connect(url).await?;
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
