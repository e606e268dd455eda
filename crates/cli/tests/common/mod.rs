//! What the CLI's tests share: the binary, fresh directories, a real server process.
#![allow(dead_code)]

use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

pub use rapport_testkit::free_port;

pub fn rapport() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rapport"))
}

pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!(
        "rapport-cli-{tag}-{}-{n}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub struct Server {
    pub child: std::process::Child,
    pub base: String,
}

impl Server {
    pub fn start(dir: &std::path::Path, smtp: &str) -> Server {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let child = rapport()
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--smtp-url",
                smtp,
                "--data-dir",
            ])
            .arg(dir)
            .env("RUST_LOG", "debug")
            .stdout(std::fs::File::create(dir.with_extension("stdout")).unwrap())
            .stderr(std::fs::File::create(dir.with_extension("stderr")).unwrap())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while ureq::get(&format!("{base}/healthz")).call().is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Server { child, base }
    }

    pub fn post(
        &self,
        path: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> (u16, Vec<String>, Value) {
        let mut req = ureq::post(&format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let res = match req.send_json(body) {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{path}: {e}"),
        };
        let status = res.status();
        let cookies = res
            .all("set-cookie")
            .into_iter()
            .map(str::to_string)
            .collect();
        let text = res.into_string().unwrap_or_default();
        (
            status,
            cookies,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// Stops with SIGTERM (graceful shutdown) and returns everything it logged.
    pub fn stop(mut self, dir: &std::path::Path) -> String {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "graceful shutdown exits 0, got {status}");
        let mut logs = std::fs::read_to_string(dir.with_extension("stdout")).unwrap();
        logs.push_str(&std::fs::read_to_string(dir.with_extension("stderr")).unwrap());
        logs
    }
}

/// Seals `text` as a therapist for `n` new clients in their care, with the installation's
/// keys, as a server would (each seal is an access event in the chain).
pub async fn seal_notes(
    store: &rapport_store::Store,
    keys: &std::path::Path,
    n: usize,
    text: &str,
) {
    use rapport_core::Role;
    use rapport_testkit::{person, relate, Stage};
    use rapport_vault::{AccessContext, KeyFiles, Locator, Purpose, RecordKind, Vault};
    let vault = Vault::from_files(&KeyFiles::new(keys)).unwrap();
    let batch = rapport_store::new_id();
    let therapist = person(store, &format!("t-{batch}@example.org"), Role::Therapist).await;
    let ctx = AccessContext::person(&therapist.proof, Purpose::Treatment, None);
    for i in 0..n {
        let client = person(store, &format!("c{i}-{batch}@example.org"), Role::Client).await;
        let care = relate(store, &client, &therapist, Stage::Active).await.id;
        let at = Locator {
            client: &client.user.id,
            care: Some(&care),
            kind: RecordKind::Note,
            table: "notes",
            row_id: "n",
            field: "body",
        };
        let mut tx = store.begin_write().await.unwrap();
        vault.seal(&mut tx, &ctx, &at, text).await.unwrap();
        // A stored sealed record too (what restore opens to prove the backup works).
        let own = AccessContext::person(&client.proof, Purpose::ClientRequest, None);
        let request_id = rapport_store::new_id();
        let q = Locator {
            kind: RecordKind::ContactRequest,
            table: "contact_requests",
            row_id: &request_id,
            field: "text",
            ..at
        };
        let sealed = vault.seal(&mut tx, &own, &q, text).await.unwrap();
        rapport_store::care::add_contact_request(&mut tx, &request_id, &care, "question", &sealed)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}
