//! The access log's checkpoints under crashes: a server signs the head at start-up and
//! within about a second of new events, and writes each checkpoint to the witness file in
//! its data directory, so a `kill -9` no longer leaves the last events unsigned; and
//! `rapport audit verify` holds the database against that file.

mod common;

use common::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// The highest event the data directory's witness file has seen signed.
fn witnessed(dir: &Path) -> i64 {
    std::fs::read_to_string(dir.join("audit/witness.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l.get("kind").is_none())
        .filter_map(|l| l["seq"].as_i64())
        .max()
        .unwrap_or(0)
}

/// Waits (up to a generous deadline, for a loaded machine) until the witness file has
/// seen event `seq`.
fn wait_for_witness(dir: &Path, seq: i64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while witnessed(dir) < seq {
        assert!(
            Instant::now() < deadline,
            "{what}: event {seq} was never witnessed (saw {})",
            witnessed(dir)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn verify(dir: &Path) -> (bool, String) {
    let out = rapport()
        .args(["audit", "verify", "--data-dir"])
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn checkpoints_are_witnessed_soon_after_events_and_survive_crashes() {
    let dir = temp_dir("witness");
    let db_url = format!("sqlite://{}", dir.join("rapport.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let head = || {
        rt.block_on(async {
            let store = rapport_store::Store::open(&db_url).await.unwrap();
            let (seq, _) = store.audit_head().await.unwrap();
            store.close().await;
            seq
        })
    };
    let seal = |n: usize| {
        rt.block_on(async {
            let store = rapport_store::Store::open(&db_url).await.unwrap();
            seal_notes(&store, &dir.join("keys"), n, "words").await;
            store.close().await;
        })
    };
    for cycle in 0..3 {
        let mut server = Server::start(&dir, "smtp://127.0.0.1:9");
        // Events appear while the server runs (written with its keys, as a second server
        // on the same database would); the running server signs and witnesses them.
        seal(3);
        wait_for_witness(&dir, head(), &format!("cycle {cycle}, while running"));
        // A crash: no shutdown checkpoint.
        server.child.kill().unwrap();
        server.child.wait().unwrap();
    }
    // Events the last moments before a crash left unsigned are signed at the next start.
    seal(2);
    let unsigned = head();
    assert!(witnessed(&dir) < unsigned);
    let server = Server::start(&dir, "smtp://127.0.0.1:9");
    wait_for_witness(&dir, unsigned, "at start-up");
    server.stop(&dir);
    let (ok, out) = verify(&dir);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("intact: {unsigned} events")), "{out}");
    assert!(
        out.contains(&format!("latest head the witnesses saw (event {unsigned})")),
        "{out}"
    );

    // Someone with the database file alone cuts the last events, their checkpoints and
    // the head row: the witness file beside the keys still knows the head.
    rt.block_on(async {
        let store = rapport_store::Store::open(&db_url).await.unwrap();
        let keep = unsigned - 4;
        for table in ["access_events", "audit_checkpoints"] {
            store
                .raw_execute(
                    &format!("DELETE FROM {table} WHERE seq > $1"),
                    &[keep.into()],
                )
                .await
                .unwrap();
        }
        let hash = store.access_events().await.unwrap().pop().unwrap().hash;
        store
            .raw_execute(
                "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
                &[keep.into(), hash.into()],
            )
            .await
            .unwrap();
        store.close().await;
    });
    let (ok, out) = verify(&dir);
    assert!(!ok, "{out}");
    assert!(out.contains("tampered with"), "{out}");
    assert!(out.contains("deleted"), "{out}");
}
