//! `rapport backup`: a consistent snapshot taken while the server runs (SQLite
//! `VACUUM INTO`; `pg_dump` on PostgreSQL), with a progress bar. Keys are never written
//! into a backup: back up DATA_DIR/keys separately, or the backup cannot be read.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rapport_store::{Backend, Store};
use std::path::Path;
use std::time::Duration;

pub(crate) fn bytes_bar(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total.max(1));
    bar.set_style(
        ProgressStyle::with_template(&format!("{what} {{bar:40}} {{bytes}}/{{total_bytes}}"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Polls the size of `path` into `bar` until `done` resolves.
pub(crate) async fn watch<F: std::future::Future>(
    path: &Path,
    bar: &ProgressBar,
    done: F,
) -> F::Output {
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
