//! `rapport keys`: rotate the key-encryption key, and see which key wraps how many of the
//! clients' data keys (so no one deletes a key file that data still needs).

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use rapport_vault::{KeyEncryptionKey, KeyFiles, Vault};

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
        "Rotated: {moved} data keys are now wrapped by the new key in {}; no data key is wrapped by any other.",
        files.kek_path().display(),
    );
    println!(
        "The old key is kept as {}: nothing in this database needs it, but backups made before \
         this rotation do. Keep it as long as you keep those backups (`rapport keys status`).",
        files.previous_kek_path().display()
    );
    Ok(())
}

/// Prints each key file, its id, and how many data keys it wraps; warns about data keys
/// wrapped by a key that is not here.
pub async fn status(store: &rapport_store::Store, files: &KeyFiles) -> Result<bool> {
    let status = Vault::key_status(store).await?;
    let count = |id: &str| {
        status
            .wrapped
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let mut known = Vec::new();
    for (role, path) in [
        ("current", files.kek_path()),
        ("next (a rotation in progress)", files.next_kek_path()),
        ("previous", files.previous_kek_path()),
    ] {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let id = KeyEncryptionKey::from_base64(&text)?.id();
        let current = if status.current.as_deref() == Some(id.as_str()) {
            " — new data keys are wrapped by this key"
        } else {
            ""
        };
        println!(
            "{:<8} {} ({role}): wraps {} data keys{current}",
            id,
            path.display(),
            count(&id)
        );
        known.push(id);
    }
    let mut ok = true;
    for (id, n) in &status.wrapped {
        if !known.contains(id) {
            ok = false;
            println!(
                "MISSING: {n} data keys are wrapped by key {id}, which is not in {}. Restore that key file, or those clients' records cannot be opened.",
                files.dir.display()
            );
        }
    }
    Ok(ok)
}
