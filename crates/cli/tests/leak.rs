//! Proof that clinical text never reaches storage in plaintext: canaries written into every
//! kind of clinical record are searched for in the raw SQLite file and its WAL, a
//! PostgreSQL dump, every log line, and a backup. None may be found.

use rapport_core::Role;
use rapport_store::raw::Bind;
use rapport_store::Store;
use rapport_testkit::{person, relate, Stage};
use rapport_vault::{AccessContext, KeyFiles, Locator, Purpose, RecordKind, Vault};
use std::io::Write;
use std::sync::{Arc, Mutex};

const KINDS: [RecordKind; 7] = [
    RecordKind::Message,
    RecordKind::Attachment,
    RecordKind::Note,
    RecordKind::QuestionnaireAnswer,
    RecordKind::TreatmentPlan,
    RecordKind::SessionSummary,
    RecordKind::IntakeAnswer,
];

fn canary(kind: RecordKind) -> String {
    format!("CANARY-{}-q7x3", kind.as_str())
}

/// Collects every log line the code under test writes, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Seals and re-opens a canary of every kind, by the client and by a therapist, and
/// returns the sealed bytes as stored.
async fn write_canaries(store: &Store, vault: &Vault) {
    store_rows(store).await;
    let client = person(store, "client-1@example.org", Role::Client).await;
    let therapist = person(store, "therapist-1@example.org", Role::Therapist).await;
    let care = relate(store, &client, &therapist, Stage::Active).await.id;
    let contexts = [
        AccessContext::person(&client.proof, Purpose::ClientRequest, Some("r1".into())),
        AccessContext::person(&therapist.proof, Purpose::Treatment, Some("r2".into())),
    ];
    let client = client.user.id.clone();
    for (i, kind) in KINDS.into_iter().enumerate() {
        for (j, ctx) in contexts.iter().enumerate() {
            let row = format!("{i}-{j}");
            let at = Locator {
                client: &client,
                care: Some(&care),
                kind,
                table: "leak_records",
                row_id: &row,
                field: "body",
            };
            let mut tx = store.begin_write().await.unwrap();
            let sealed = vault.seal(&mut tx, ctx, &at, &canary(kind)).await.unwrap();
            tx.commit().await.unwrap();
            store
                .raw_execute(
                    "INSERT INTO leak_records (id, kind, body) VALUES ($1, $2, $3)",
                    &[
                        row.clone().into(),
                        kind.as_str().into(),
                        Bind::Bytes(sealed.clone()),
                    ],
                )
                .await
                .unwrap();
            let mut tx = store.begin_write().await.unwrap();
            let opened = vault.open(&mut tx, ctx, &at, &sealed).await.unwrap();
            assert_eq!(opened.expose(), canary(kind));
            tracing::info!(?opened, kind = kind.as_str(), "opened a record");
            tx.commit().await.unwrap();
        }
    }
}

async fn store_rows(store: &Store) {
    let blob = if store.backend() == rapport_store::Backend::Sqlite {
        "BLOB"
    } else {
        "BYTEA"
    };
    store
        .raw_execute(
            &format!(
                "CREATE TABLE IF NOT EXISTS leak_records (id TEXT PRIMARY KEY, kind TEXT, body {blob})"
            ),
            &[],
        )
        .await
        .unwrap();
}

fn assert_no_canary(what: &str, bytes: &[u8]) {
    assert!(!bytes.is_empty(), "{what} is empty: nothing was searched");
    for kind in KINDS {
        let c = canary(kind);
        assert!(
            !bytes.windows(c.len()).any(|w| w == c.as_bytes()),
            "{what} contains the plaintext canary {c}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_canary_in_the_database_wal_logs_dump_or_backup() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let dir = std::env::temp_dir().join(format!("rapport-leak-{}", rapport_store::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("rapport.db");
    let store = Store::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let vault = Vault::from_files(&KeyFiles::new(dir.join("keys"))).unwrap();
    write_canaries(&store, &vault).await;
    let rows = store
        .raw_i64("SELECT COUNT(*) FROM leak_records", &[])
        .await
        .unwrap();
    assert_eq!(rows, 14, "every kind was written twice");

    // The WAL holds the recent pages while the pool is open; read both files now.
    let wal = dir.join("rapport.db-wal");
    assert_no_canary("the SQLite WAL", &std::fs::read(&wal).unwrap());
    assert_no_canary("the SQLite database file", &std::fs::read(&db).unwrap());

    let backup = dir.join("backup.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rapport"))
        .args(["backup", "--data-dir"])
        .arg(&dir)
        .arg("--out")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_canary("the backup", &std::fs::read(&backup).unwrap());
    store.close().await;

    if let Some((pg, url)) = rapport_testkit::fresh_postgres_with_url().await {
        write_canaries(&pg, &vault).await;
        let dump = std::process::Command::new("pg_dump")
            .arg(&url)
            .output()
            .expect("pg_dump");
        assert!(
            dump.status.success(),
            "{}",
            String::from_utf8_lossy(&dump.stderr)
        );
        assert!(
            String::from_utf8_lossy(&dump.stdout).contains("leak_records"),
            "the dump holds the table"
        );
        assert_no_canary("the PostgreSQL dump", &dump.stdout);
        pg.close().await;
    } else {
        rapport_testkit::unavailable(
            "a PostgreSQL server for the dump check",
            "set RAPPORT_TEST_POSTGRES_URL",
        );
    }

    let captured = logs.0.lock().unwrap().clone();
    assert!(
        String::from_utf8_lossy(&captured).contains("opened a record"),
        "logging was captured"
    );
    assert_no_canary("the logs", &captured);
}
