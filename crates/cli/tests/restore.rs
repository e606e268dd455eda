//! `rapport restore` replaces nothing unless the backup can really be used here: not while
//! a server is using the data, not a truncated file, not into a data directory without
//! the keys, not another installation's backup, and not one whose sealed records would
//! not open.

mod common;

use common::*;
use std::path::Path;
use std::process::Output;

fn run(args: &[&str], dir: &Path) -> Output {
    rapport()
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A served installation (so it has an installation id) with a backup of it.
fn installation(tag: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = temp_dir(tag);
    let server = Server::start(&dir, "smtp://127.0.0.1:9");
    // Backups are taken while the server runs.
    let backup = dir.with_extension("backup.db");
    let out = run(&["backup", "--out", backup.to_str().unwrap()], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    server.stop(&dir);
    (dir, backup)
}

#[test]
fn restore_refuses_while_a_server_uses_the_data() {
    let (dir, backup) = installation("busy");
    let server = Server::start(&dir, "smtp://127.0.0.1:9");
    let out = run(&["restore", "--from", backup.to_str().unwrap()], &dir);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("a Rapport server is using"),
        "{}",
        stderr(&out)
    );
    server.stop(&dir);
    let out = run(&["restore", "--from", backup.to_str().unwrap()], &dir);
    assert!(
        out.status.success(),
        "once stopped it restores: {}",
        stderr(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("data keys unwrapped"));
}

#[test]
fn a_truncated_backup_is_refused_clearly() {
    let (dir, backup) = installation("cut");
    let bytes = std::fs::read(&backup).unwrap();
    let cut = dir.with_extension("cut.db");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let out = run(&["restore", "--from", cut.to_str().unwrap()], &dir);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("is truncated") && err.contains("nothing was replaced"),
        "{err}"
    );
    assert!(!err.contains("pool timed out"), "{err}");
}

#[test]
fn a_backup_needs_its_own_installations_keys() {
    let (a, backup_a) = installation("inst-a");
    let (b, _) = installation("inst-b");
    // Into another installation: refused, naming both.
    let out = run(&["restore", "--from", backup_a.to_str().unwrap()], &b);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the backup is of installation"),
        "{}",
        stderr(&out)
    );
    // Into an empty data directory without the keys: refused, saying what is missing.
    let empty = temp_dir("no-keys");
    let out = run(&["restore", "--from", backup_a.to_str().unwrap()], &empty);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("has no key-encryption key"),
        "{}",
        stderr(&out)
    );
    assert!(
        !empty.join("keys/kek").exists(),
        "no key was made up on the way"
    );
    // With a copy of the installation's key directory, it restores.
    let with_keys = temp_dir("with-keys");
    let keys = with_keys.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    for f in ["kek", "instance", "audit-signing.key", "audit-signing.pub"] {
        std::fs::copy(a.join("keys").join(f), keys.join(f)).unwrap();
    }
    let out = run(
        &["restore", "--from", backup_a.to_str().unwrap()],
        &with_keys,
    );
    assert!(out.status.success(), "{}", stderr(&out));
}
