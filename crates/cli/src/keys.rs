//! `rapport keys rotate`: move every client's data key under a new key-encryption key.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use rapport_vault::{KeyFiles, Vault};

pub async fn rotate(store: &rapport_store::Store, files: &KeyFiles) -> Result<()> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("Re-wrapping data keys {bar:40} {pos}/{len} ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let resumed = files.next_kek_path().exists();
    if resumed {
        println!("Resuming an interrupted rotation.");
    }
    let moved = Vault::rotate(store, files, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await?;
    bar.finish();
    println!(
        "Rotated: {moved} data keys are now wrapped by the new key in {}. The old key is kept as {} until you have a backup made after this rotation; then delete it.",
        files.kek_path().display(),
        files.previous_kek_path().display()
    );
    Ok(())
}
