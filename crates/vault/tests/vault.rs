//! The vault on both backends: sealing binds a value to its place and client, every
//! access by someone else is chained and signed, tampering of any kind is caught, and a
//! destroyed data key makes a client's records unreadable for good.

use rand::{rngs::StdRng, Rng, SeedableRng};
use rapport_core::UserId;
use rapport_store::{store_test, Store};
use rapport_vault::chain::{self, Verification};
use rapport_vault::{
    AccessContext, ActorRole, KeyEncryptionKey, KeyFiles, Locator, Purpose, RecordKind, Vault,
    VaultError,
};

fn vault() -> Vault {
    Vault::new(
        KeyEncryptionKey::generate(),
        ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
    )
}

fn at<'a>(client: &'a UserId, row: &'a str) -> Locator<'a> {
    Locator {
        client,
        kind: RecordKind::Note,
        table: "notes",
        row_id: row,
        field: "body",
    }
}

fn therapist() -> AccessContext {
    AccessContext::person(
        UserId("t1".into()),
        ActorRole::Therapist,
        Purpose::Treatment,
        Some("req-1".into()),
    )
}

async fn seal(
    store: &Store,
    v: &Vault,
    ctx: &AccessContext,
    loc: &Locator<'_>,
    text: &str,
) -> Vec<u8> {
    let mut tx = store.begin_write().await.unwrap();
    let sealed = v.seal(&mut tx, ctx, loc, text).await.unwrap();
    tx.commit().await.unwrap();
    sealed
}

async fn open(
    store: &Store,
    v: &Vault,
    ctx: &AccessContext,
    loc: &Locator<'_>,
    sealed: &[u8],
) -> Result<String, VaultError> {
    let mut tx = store.begin_write().await.unwrap();
    let r = v
        .open(&mut tx, ctx, loc, sealed)
        .await
        .map(|c| c.expose().to_string());
    tx.commit().await.unwrap();
    r
}

store_test!(sealed_values_open_only_in_their_place, |store| {
    let v = vault();
    let ana = UserId("ana".into());
    let ben = UserId("ben".into());
    let sealed = seal(
        &store,
        &v,
        &therapist(),
        &at(&ana, "n1"),
        "canary-clinical-text",
    )
    .await;
    assert!(!String::from_utf8_lossy(&sealed).contains("canary"));
    assert_eq!(
        open(&store, &v, &therapist(), &at(&ana, "n1"), &sealed)
            .await
            .unwrap(),
        "canary-clinical-text"
    );
    for wrong in [
        at(&ana, "n2"),
        at(&ben, "n1"),
        Locator {
            field: "title",
            ..at(&ana, "n1")
        },
        Locator {
            table: "messages",
            ..at(&ana, "n1")
        },
        // Presented as evidence (which admins may open), a note still will not open.
        Locator {
            kind: RecordKind::LicenseEvidence,
            ..at(&ana, "n1")
        },
    ] {
        assert!(
            matches!(
                open(&store, &v, &therapist(), &wrong, &sealed).await,
                Err(VaultError::Tampered)
            ),
            "{wrong:?}"
        );
    }
    let mut flipped = sealed.clone();
    *flipped.last_mut().unwrap() ^= 1;
    assert!(matches!(
        open(&store, &v, &therapist(), &at(&ana, "n1"), &flipped).await,
        Err(VaultError::Tampered)
    ));
    // Another operator key cannot unwrap this client's data key.
    assert!(
        open(&store, &vault(), &therapist(), &at(&ana, "n1"), &sealed)
            .await
            .is_err()
    );
    let (wrapped,): (Vec<u8>,) =
        sqlx::query_as("SELECT wrapped_dek FROM client_keys WHERE client_id = 'ana'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(
        wrapped.len(),
        1 + 24 + 32 + 16,
        "only the wrapped key is stored"
    );
});

store_test!(access_by_others_is_logged_and_admins_are_refused, |store| {
    let v = vault();
    let ana = UserId("ana".into());
    let me = AccessContext::person(ana.clone(), ActorRole::Client, Purpose::ClientRequest, None);
    let sealed = seal(&store, &v, &me, &at(&ana, "m1"), "my own words").await;
    open(&store, &v, &me, &at(&ana, "m1"), &sealed)
        .await
        .unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    assert!(
        chain::events_for_client(&mut conn, "ana", 10)
            .await
            .unwrap()
            .is_empty(),
        "the client's own access is not an event"
    );
    drop(conn);
    open(&store, &v, &therapist(), &at(&ana, "m1"), &sealed)
        .await
        .unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    let events = chain::events_for_client(&mut conn, "ana", 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (
            e.actor_id.as_deref(),
            e.actor_role.as_str(),
            e.record_kind.as_str(),
            e.record_id.as_str()
        ),
        (Some("t1"), "therapist", "note", "m1")
    );
    assert_eq!(
        (
            e.action.as_str(),
            e.purpose.as_str(),
            e.request_id.as_deref()
        ),
        ("read", "treatment", Some("req-1"))
    );
    drop(conn);
    let admin = AccessContext::person(
        UserId("a1".into()),
        ActorRole::Admin,
        Purpose::Operations,
        None,
    );
    assert!(matches!(
        open(&store, &v, &admin, &at(&ana, "m1"), &sealed).await,
        Err(VaultError::NotPermitted)
    ));
    // A failed open leaves no event behind: the event and the read share a transaction.
    let mut tx = store.pool().begin().await.unwrap();
    let _ = v
        .open(&mut tx, &therapist(), &at(&ana, "other-row"), &sealed)
        .await;
    tx.rollback().await.unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    assert_eq!(
        chain::events_for_client(&mut conn, "ana", 10)
            .await
            .unwrap()
            .len(),
        1
    );
});

store_test!(destroying_a_data_key_erases_only_that_client, |store| {
    let v = vault();
    let (ana, ben) = (UserId("ana".into()), UserId("ben".into()));
    let a = seal(&store, &v, &therapist(), &at(&ana, "n1"), "ana's note").await;
    let b = seal(&store, &v, &therapist(), &at(&ben, "n1"), "ben's note").await;
    let mut conn = store.pool().acquire().await.unwrap();
    assert!(v.destroy_client_key(&mut conn, &ana).await.unwrap());
    drop(conn);
    assert!(matches!(
        open(&store, &v, &therapist(), &at(&ana, "n1"), &a).await,
        Err(VaultError::KeyDestroyed)
    ));
    assert_eq!(
        open(&store, &v, &therapist(), &at(&ben, "n1"), &b)
            .await
            .unwrap(),
        "ben's note"
    );
});

/// Builds a chain of `n` events across a few clients and signs a checkpoint at its head.
async fn chain_of(store: &Store, v: &Vault, n: usize) {
    let clients: Vec<UserId> = (0..4).map(|i| UserId(format!("c{i}"))).collect();
    for i in 0..n {
        let row = format!("r{i}");
        seal(store, v, &therapist(), &at(&clients[i % 4], &row), "x").await;
    }
    let mut conn = store.pool().acquire().await.unwrap();
    assert!(v.checkpoint(&mut conn).await.unwrap().is_some());
}

async fn verify(conn: &mut sqlx::AnyConnection, v: &Vault) -> Verification {
    chain::verify(conn, Some(&v.verifying_key())).await.unwrap()
}

store_test!(the_chain_verifies_and_checkpoints_are_signed, |store| {
    let v = vault();
    chain_of(&store, &v, 12).await;
    let mut conn = store.pool().acquire().await.unwrap();
    assert_eq!(
        verify(&mut conn, &v).await,
        Verification::Intact {
            events: 12,
            checkpoints: 1
        }
    );
    assert!(
        v.checkpoint(&mut conn).await.unwrap().is_none(),
        "no new checkpoint without new events"
    );
    let other = vault();
    assert!(
        matches!(
            verify(&mut conn, &other).await,
            Verification::Broken { seq: 12, .. }
        ),
        "a checkpoint signed by another key is refused"
    );
});

const FIELDS: &[&str] = &[
    "client_id",
    "actor_id",
    "actor_role",
    "record_kind",
    "record_id",
    "action",
    "purpose",
    "request_id",
];

/// Applies one random tampering (edit, edit-and-rehash, delete, reorder, insert) to events
/// 1..=n, all covered by the checkpoint.
async fn tamper(conn: &mut sqlx::AnyConnection, rng: &mut StdRng, n: i64) -> String {
    let pick = |rng: &mut StdRng| rng.gen_range(1..=n);
    match rng.gen_range(0..6) {
        0 => {
            let (seq, field) = (pick(rng), FIELDS[rng.gen_range(0..FIELDS.len())]);
            sqlx::query(&format!(
                "UPDATE access_events SET {field} = 'forged' WHERE seq = $1"
            ))
            .bind(seq)
            .execute(&mut *conn)
            .await
            .unwrap();
            format!("edit {field} of {seq}")
        }
        1 => {
            let seq = pick(rng);
            sqlx::query(
                "UPDATE access_events SET at = at + 1, emergency = 1 - emergency WHERE seq = $1",
            )
            .bind(seq)
            .execute(&mut *conn)
            .await
            .unwrap();
            let e: chain::AccessEvent =
                sqlx::query_as("SELECT * FROM access_events WHERE seq = $1")
                    .bind(seq)
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap();
            sqlx::query("UPDATE access_events SET hash = $2 WHERE seq = $1")
                .bind(seq)
                .bind(e.compute_hash())
                .execute(&mut *conn)
                .await
                .unwrap();
            format!("edit and rehash {seq}")
        }
        2 => {
            let seq = pick(rng);
            sqlx::query("DELETE FROM access_events WHERE seq = $1")
                .bind(seq)
                .execute(&mut *conn)
                .await
                .unwrap();
            format!("delete {seq}")
        }
        3 => {
            let (a, b) = (pick(rng), pick(rng));
            let b = if a == b {
                if a == n {
                    a - 1
                } else {
                    a + 1
                }
            } else {
                b
            };
            for (from, to) in [(a, -1), (b, a), (-1, b)] {
                sqlx::query("UPDATE access_events SET seq = $2 WHERE seq = $1")
                    .bind(from)
                    .bind(to)
                    .execute(&mut *conn)
                    .await
                    .unwrap();
            }
            format!("swap {a} and {b}")
        }
        4 => {
            // The cleverest insertion: shift later events and link the forgery correctly
            // to its predecessor.
            let p = pick(rng);
            sqlx::query("UPDATE access_events SET seq = seq + 1000000 WHERE seq >= $1")
                .bind(p)
                .execute(&mut *conn)
                .await
                .unwrap();
            sqlx::query("UPDATE access_events SET seq = seq - 999999 WHERE seq >= 1000000")
                .execute(&mut *conn)
                .await
                .unwrap();
            let prev: String = if p == 1 {
                chain::GENESIS.into()
            } else {
                sqlx::query_as::<_, (String,)>("SELECT hash FROM access_events WHERE seq = $1")
                    .bind(p - 1)
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap()
                    .0
            };
            let mut e = chain::AccessEvent {
                seq: p,
                client_id: "c1".into(),
                actor_id: Some("intruder".into()),
                actor_role: "therapist".into(),
                record_kind: "note".into(),
                record_id: "r1".into(),
                action: "read".into(),
                purpose: "treatment".into(),
                emergency: 0,
                at: 1,
                request_id: None,
                prev_hash: prev,
                hash: String::new(),
            };
            e.hash = e.compute_hash();
            sqlx::query("INSERT INTO access_events (seq, client_id, actor_id, actor_role, record_kind, record_id, action, purpose, emergency, at, request_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
                .bind(e.seq).bind(&e.client_id).bind(&e.actor_id).bind(&e.actor_role).bind(&e.record_kind).bind(&e.record_id)
                .bind(&e.action).bind(&e.purpose).bind(e.emergency).bind(e.at).bind(&e.request_id).bind(&e.prev_hash).bind(&e.hash)
                .execute(&mut *conn).await.unwrap();
            format!("insert at {p}")
        }
        _ => {
            let seq = pick(rng);
            sqlx::query("UPDATE access_events SET prev_hash = $2 WHERE seq = $1")
                .bind(seq)
                .bind(chain::GENESIS.replace('0', "f"))
                .execute(&mut *conn)
                .await
                .unwrap();
            format!("relink {seq}")
        }
    }
}

store_test!(verify_catches_every_random_tampering, |store| {
    let v = vault();
    let n = 40;
    chain_of(&store, &v, n).await;
    let trials = if store.backend() == rapport_store::Backend::Sqlite {
        1000
    } else {
        300
    };
    let mut rng = StdRng::seed_from_u64(0x5eed);
    for trial in 0..trials {
        let mut tx = store.pool().begin().await.unwrap();
        let what = tamper(&mut tx, &mut rng, n as i64).await;
        let outcome = verify(&mut tx, &v).await;
        assert!(
            matches!(outcome, Verification::Broken { .. }),
            "trial {trial}: `{what}` went unnoticed"
        );
        tx.rollback().await.unwrap();
    }
    let mut conn = store.pool().acquire().await.unwrap();
    assert!(
        matches!(verify(&mut conn, &v).await, Verification::Intact { .. }),
        "rolled back cleanly"
    );
});

store_test!(concurrent_appends_keep_one_chain, |store| {
    let v = vault();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (store, v) = (store.clone(), v.clone());
        tasks.push(tokio::spawn(async move {
            let client = UserId(format!("c{}", i % 3));
            let row = format!("r{i}");
            seal(&store, &v, &therapist(), &at(&client, &row), "x").await;
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut conn = store.pool().acquire().await.unwrap();
    assert!(matches!(
        verify(&mut conn, &v).await,
        Verification::Intact { events: 16, .. }
    ));
});

#[test]
fn key_files_are_private_and_refused_when_readable_by_others() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("rapport-keys-{}", rapport_store::new_id()));
    let files = KeyFiles::new(&dir);
    let kek = files.load_or_create_kek().unwrap();
    let mode = std::fs::metadata(files.kek_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(
        files.load_or_create_kek().unwrap().id(),
        kek.id(),
        "the same key on the next start"
    );
    std::fs::set_permissions(files.kek_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = files.load_or_create_kek().err().unwrap();
    assert!(matches!(err, VaultError::KeyFilePermissions(_)), "{err}");
    assert!(err.to_string().contains("chmod 600"));
    assert!(KeyEncryptionKey::from_base64("too-short").is_err());
}

store_test!(
    keys_rotate_while_a_server_runs_and_resume_after_interruption,
    |store| {
        let dir = std::env::temp_dir().join(format!("rapport-rotate-{}", rapport_store::new_id()));
        let files = KeyFiles::new(&dir);
        let server = Vault::from_files(&files).unwrap();
        let old_id = server.kek_id();
        let mut sealed = Vec::new();
        for i in 0..30 {
            let client = UserId(format!("c{i}"));
            let s = seal(
                &store,
                &server,
                &therapist(),
                &at(&client, "n"),
                &format!("note {i}"),
            )
            .await;
            sealed.push((client, s));
        }
        // A rotation that died after choosing its new key: a server started now wraps new
        // clients' keys under it, and everything still opens.
        let next_id = files.load_or_create_next().unwrap().id();
        let late_starter = Vault::from_files(&files).unwrap();
        assert_eq!(late_starter.kek_id(), next_id);
        let newcomer = UserId("newcomer".into());
        let newcomer_note = seal(
            &store,
            &late_starter,
            &therapist(),
            &at(&newcomer, "n"),
            "new",
        )
        .await;

        let calls = std::sync::Mutex::new(Vec::new());
        let moved = Vault::rotate(&store, &files, &|done, total| {
            calls.lock().unwrap().push((done, total))
        })
        .await
        .unwrap();
        assert_eq!(
            moved, 30,
            "the resumed rotation moves what was left, and only that"
        );
        assert_eq!(
            calls.lock().unwrap().last(),
            Some(&(30, 30)),
            "progress reaches the end"
        );
        let ids: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT kek_id FROM client_keys")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert_eq!(ids, vec![(next_id.clone(),)]);
        assert!(files.previous_kek_path().exists() && !files.next_kek_path().exists());
        assert_ne!(old_id, next_id);

        // The server that started before the rotation still opens everything (it reloads the
        // key files when it meets the new key id), and so does one started after.
        for v in [&server, &Vault::from_files(&files).unwrap()] {
            for (client, s) in &sealed {
                assert!(open(&store, v, &therapist(), &at(client, "n"), s)
                    .await
                    .is_ok());
            }
            assert_eq!(
                open(&store, v, &therapist(), &at(&newcomer, "n"), &newcomer_note)
                    .await
                    .unwrap(),
                "new"
            );
        }
    }
);
