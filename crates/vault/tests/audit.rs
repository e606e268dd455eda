//! The access log under attack by someone who can write to the database but not to the
//! keys or the witness files beside them: every class of tampering the review tried —
//! truncation after a checkpoint, deleting the tail with its checkpoints, deleting
//! everything, deleting checkpoints only, forging events after the last checkpoint,
//! edits, insertions, reordering, moving the head row, editing or removing break-glass
//! grants — is caught by `rapport audit verify`'s check. The guarantee is in docs/VAULT.md.

mod common;

use common::*;
use rand::{rngs::StdRng, Rng, SeedableRng};
use rapport_core::Role;
use rapport_store::raw::Bind;
use rapport_store::Store;
use rapport_testkit::people::{person, relate, Stage};
use rapport_testkit::store_test;
use rapport_vault::chain::{self, ChainLink, Evidence, Verification};
use rapport_vault::{AccessContext, Purpose, Vault, Witness};

/// Builds a chain of `n` events across a few clients and signs a checkpoint at its head.
async fn chain_of(store: &Store, v: &Vault, n: usize) -> Witness {
    let lee = person(store, "lee@example.org", Role::Therapist).await;
    let mut cares = Vec::new();
    for i in 0..4 {
        let c = person(store, &format!("c{i}@example.org"), Role::Client).await;
        let id = relate(store, &c, &lee, Stage::Active).await.id;
        cares.push((c.user.id.clone(), id));
    }
    for i in 0..n {
        let row = format!("r{i}");
        let (client, care) = &cares[i % 4];
        seal(store, v, &treating(&lee), &note(client, care, &row), "x")
            .await
            .unwrap();
    }
    let w = witness();
    assert!(v.checkpoint(store, &w).await.unwrap().is_some());
    w
}

async fn verify(store: &Store, v: &Vault, w: &Witness) -> Verification {
    v.verify(store, w).await.unwrap()
}

/// Verification with the public key only: no MACs, no witnesses (what the signed
/// checkpoints in the database prove on their own).
async fn verify_signatures(store: &Store, v: &Vault) -> Verification {
    let public = v.verifying_key();
    chain::verify(
        store,
        &Evidence {
            public: Some(&public),
            ..Evidence::default()
        },
    )
    .await
    .unwrap()
}

store_test!(the_chain_verifies_and_checkpoints_are_signed, |store| {
    let v = vault();
    let w = chain_of(&store, &v, 12).await;
    assert_eq!(
        verify(&store, &v, &w).await,
        Verification::Intact {
            events: 12,
            checkpoints: 1
        }
    );
    assert!(
        v.checkpoint(&store, &w).await.unwrap().is_none(),
        "no new checkpoint without new events"
    );
    assert!(
        matches!(
            verify_signatures(&store, &vault()).await,
            Verification::Broken { seq: 12, .. }
        ),
        "a checkpoint signed by another key is refused"
    );
    assert!(
        matches!(
            verify(&store, &vault(), &witness()).await,
            Verification::Broken { seq: 1, .. }
        ),
        "events MACed under another key are refused"
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

async fn sql(store: &Store, text: &str, binds: &[Bind]) {
    store.raw_execute(text, binds).await.unwrap();
}

/// Applies one random tampering (edit, edit-and-rehash, delete, reorder, insert) to events
/// 1..=n, all covered by the checkpoint.
async fn tamper(store: &Store, rng: &mut StdRng, n: i64) -> String {
    let pick = |rng: &mut StdRng| rng.gen_range(1..=n);
    match rng.gen_range(0..6) {
        0 => {
            let (seq, field) = (pick(rng), FIELDS[rng.gen_range(0..FIELDS.len())]);
            sql(
                store,
                &format!("UPDATE access_events SET {field} = 'forged' WHERE seq = $1"),
                &[seq.into()],
            )
            .await;
            format!("edit {field} of {seq}")
        }
        1 => {
            let seq = pick(rng);
            sql(
                store,
                "UPDATE access_events SET at = at + 1, emergency = 1 - emergency WHERE seq = $1",
                &[seq.into()],
            )
            .await;
            let e = store
                .access_events()
                .await
                .unwrap()
                .into_iter()
                .find(|e| e.seq == seq)
                .unwrap();
            sql(
                store,
                "UPDATE access_events SET hash = $2 WHERE seq = $1",
                &[seq.into(), e.compute_hash().into()],
            )
            .await;
            format!("edit and rehash {seq}")
        }
        2 => {
            let seq = pick(rng);
            sql(
                store,
                "DELETE FROM access_events WHERE seq = $1",
                &[seq.into()],
            )
            .await;
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
                sql(
                    store,
                    "UPDATE access_events SET seq = $2 WHERE seq = $1",
                    &[from.into(), to.into()],
                )
                .await;
            }
            format!("swap {a} and {b}")
        }
        4 => {
            // The cleverest insertion: shift later events and link the forgery correctly
            // to its predecessor.
            let p = pick(rng);
            sql(
                store,
                "UPDATE access_events SET seq = seq + 1000000 WHERE seq >= $1",
                &[p.into()],
            )
            .await;
            sql(
                store,
                "UPDATE access_events SET seq = seq - 999999 WHERE seq >= 1000000",
                &[],
            )
            .await;
            let prev: String = if p == 1 {
                chain::GENESIS.into()
            } else {
                store
                    .access_events()
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|e| e.seq == p - 1)
                    .unwrap()
                    .hash
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
                mac: None,
            };
            e.hash = e.compute_hash();
            sql(
                store,
                "INSERT INTO access_events (seq, client_id, actor_id, actor_role, record_kind, record_id, action, purpose, emergency, at, request_id, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12)",
                &[e.seq.into(), e.client_id.into(), "intruder".into(), e.actor_role.into(), e.record_kind.into(), e.record_id.into(),
                  e.action.into(), e.purpose.into(), e.emergency.into(), e.at.into(), e.prev_hash.into(), e.hash.into()],
            )
            .await;
            format!("insert at {p}")
        }
        _ => {
            let seq = pick(rng);
            sql(
                store,
                "UPDATE access_events SET prev_hash = $2 WHERE seq = $1",
                &[seq.into(), chain::GENESIS.replace('0', "f").into()],
            )
            .await;
            format!("relink {seq}")
        }
    }
}

store_test!(verify_catches_every_random_tampering, |store| {
    let v = vault();
    let n = 40;
    let w = chain_of(&store, &v, n).await;
    sql(
        &store,
        "CREATE TABLE pristine_events AS SELECT * FROM access_events",
        &[],
    )
    .await;
    let trials = if store.backend() == rapport_store::Backend::Sqlite {
        600
    } else {
        200
    };
    let mut rng = StdRng::seed_from_u64(0x5eed);
    for trial in 0..trials {
        let what = tamper(&store, &mut rng, n as i64).await;
        for (how, outcome) in [
            ("with every key", verify(&store, &v, &w).await),
            ("with signatures only", verify_signatures(&store, &v).await),
        ] {
            assert!(
                matches!(outcome, Verification::Broken { .. }),
                "trial {trial}: `{what}` went unnoticed {how}"
            );
        }
        sql(&store, "DELETE FROM access_events", &[]).await;
        sql(
            &store,
            "INSERT INTO access_events SELECT * FROM pristine_events",
            &[],
        )
        .await;
    }
    assert!(
        matches!(verify(&store, &v, &w).await, Verification::Intact { .. }),
        "restored cleanly"
    );
});

store_test!(concurrent_appends_keep_one_chain, |store| {
    let v = vault();
    let lee = person(&store, "lee@example.org", Role::Therapist).await;
    let mut cares = Vec::new();
    for i in 0..3 {
        let c = person(&store, &format!("c{i}@example.org"), Role::Client).await;
        let id = relate(&store, &c, &lee, Stage::Active).await.id;
        cares.push((c.user.id.clone(), id));
    }
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (store, v, lee) = (store.clone(), v.clone(), lee.clone());
        let (client, care) = cares[i % 3].clone();
        tasks.push(tokio::spawn(async move {
            let row = format!("r{i}");
            seal(
                &store,
                &v,
                &treating(&lee),
                &note(&client, &care, &row),
                "x",
            )
            .await
            .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert!(matches!(
        verify(&store, &v, &witness()).await,
        Verification::Intact { events: 16, .. }
    ));
});

/// Where every class of tampering is tried: events, a break-glass grant that was used and
/// ended, a checkpoint; more events and a live grant, a second checkpoint — both
/// witnessed, as the server does within a second of new events.
struct Scene {
    v: Vault,
    w: Witness,
    /// The event the first checkpoint signed.
    first: i64,
    ended_grant: String,
    live_grant: String,
    admin: String,
    client: String,
}

async fn scene(store: &Store) -> Scene {
    let (v, w) = (vault(), witness());
    assert_eq!(v.adopt_unprotected_events(store, &w).await.unwrap(), 0);
    let lee = person(store, "lee@example.org", Role::Therapist).await;
    let ana = person(store, "ana@example.org", Role::Client).await;
    let admin = person(store, "root@example.org", Role::Admin).await;
    let care = relate(store, &ana, &lee, Stage::Active).await.id;
    let write = |i: usize| {
        let (v, lee, ana, care) = (&v, &lee, &ana, &care);
        async move {
            let row = format!("r{i}");
            seal(
                store,
                v,
                &treating(lee),
                &note(&ana.user.id, care, &row),
                "x",
            )
            .await
            .unwrap();
        }
    };
    for i in 0..6 {
        write(i).await;
    }
    let by_admin = AccessContext::person(&admin.proof, Purpose::Operations, None);
    let ended = break_glass(store, &v, &by_admin, &ana.user.id).await;
    let mut tx = store.begin_write().await.unwrap();
    v.end_emergency(&mut tx, &by_admin, &ended.id)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    let first = v.checkpoint(store, &w).await.unwrap().unwrap();
    for i in 6..10 {
        write(i).await;
    }
    let live = break_glass(store, &v, &by_admin, &ana.user.id).await;
    write(10).await;
    v.checkpoint(store, &w).await.unwrap().unwrap();
    Scene {
        v,
        w,
        first,
        ended_grant: ended.id,
        live_grant: live.id,
        admin: admin.user.id.to_string(),
        client: ana.user.id.to_string(),
    }
}

const GUARDED: &[&str] = &[
    "access_events",
    "audit_checkpoints",
    "audit_head",
    "emergency_grants",
    "vault_state",
];

async fn all_events(store: &Store) -> Vec<chain::AccessEvent> {
    store.access_events().await.unwrap()
}

async fn set_head(store: &Store, seq: i64, hash: &str) {
    sql(
        store,
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
        &[seq.into(), hash.into()],
    )
    .await;
}

/// Writes `e` as it stands (a MAC only if it carries one).
async fn insert_event(store: &Store, e: &chain::AccessEvent) {
    let mac = e.mac.clone().map(Bind::from).unwrap_or(Bind::Null);
    sql(
        store,
        "INSERT INTO access_events (seq, client_id, actor_id, actor_role, record_kind, record_id, action, \
         purpose, emergency, at, request_id, prev_hash, hash, mac) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12, $13)",
        &[
            e.seq.into(),
            e.client_id.clone().into(),
            e.actor_id.clone().unwrap_or_default().into(),
            e.actor_role.clone().into(),
            e.record_kind.clone().into(),
            e.record_id.clone().into(),
            e.action.clone().into(),
            e.purpose.clone().into(),
            e.emergency.into(),
            e.at.into(),
            e.prev_hash.clone().into(),
            e.hash.clone().into(),
            mac,
        ],
    )
    .await;
}

/// A correctly hashed event following `prev`, as a forger would write it.
fn forged_after(prev: &chain::AccessEvent, client: &str) -> chain::AccessEvent {
    let mut e = chain::AccessEvent {
        seq: prev.seq + 1,
        client_id: client.into(),
        actor_id: Some("intruder".into()),
        actor_role: "therapist".into(),
        record_kind: "note".into(),
        record_id: "r0".into(),
        action: "read".into(),
        purpose: "treatment".into(),
        emergency: 0,
        at: prev.at + 1,
        request_id: None,
        prev_hash: prev.hash.clone(),
        hash: String::new(),
        mac: None,
    };
    e.hash = e.compute_hash();
    e
}

/// Appends `n` forged events at the end of the chain and moves the head row to them.
async fn forge_tail(store: &Store, client: &str, n: usize, mac: Option<String>) {
    let mut last = all_events(store).await.pop().unwrap();
    for _ in 0..n {
        let mut e = forged_after(&last, client);
        e.mac = mac.clone();
        insert_event(store, &e).await;
        last = e;
    }
    set_head(store, last.seq, &last.hash).await;
}

/// Rewrites every link and hash from event `from` on, and the head row, so the chain is
/// consistent again after an edit (the cleverest forger's move).
async fn relink_from(store: &Store, from: i64) {
    let events = all_events(store).await;
    let mut prev = events
        .iter()
        .find(|e| e.seq == from - 1)
        .map(|e| e.hash.clone())
        .unwrap_or_else(|| chain::GENESIS.to_string());
    for mut e in events.into_iter().filter(|e| e.seq >= from) {
        e.prev_hash = prev;
        e.hash = e.compute_hash();
        sql(
            store,
            "UPDATE access_events SET prev_hash = $2, hash = $3 WHERE seq = $1",
            &[
                e.seq.into(),
                e.prev_hash.clone().into(),
                e.hash.clone().into(),
            ],
        )
        .await;
        set_head(store, e.seq, &e.hash).await;
        prev = e.hash;
    }
}

/// Applies one class of tampering.
async fn attack(store: &Store, s: &Scene, class: &str) {
    let events = all_events(store).await;
    let n = events.len() as i64;
    let hash_of = |seq: i64| events[(seq - 1) as usize].hash.clone();
    let now = rapport_store::now_ms();
    match class {
        "truncate the events after a checkpoint" => {
            sql(
                store,
                "DELETE FROM access_events WHERE seq > $1",
                &[s.first.into()],
            )
            .await;
        }
        "truncate, delete the later checkpoint and move the head row to match" => {
            for table in ["access_events", "audit_checkpoints"] {
                sql(
                    store,
                    &format!("DELETE FROM {table} WHERE seq > $1"),
                    &[s.first.into()],
                )
                .await;
            }
            set_head(store, s.first, &hash_of(s.first)).await;
        }
        "delete every event and checkpoint and reset the head row" => {
            sql(store, "DELETE FROM access_events", &[]).await;
            sql(store, "DELETE FROM audit_checkpoints", &[]).await;
            set_head(store, 0, chain::GENESIS).await;
        }
        "delete the checkpoints only" => {
            sql(store, "DELETE FROM audit_checkpoints", &[]).await;
        }
        "forge events after the last checkpoint" => forge_tail(store, &s.client, 3, None).await,
        "forge an event carrying a real event's MAC" => {
            forge_tail(store, &s.client, 1, events[0].mac.clone()).await
        }
        "forge events and sign a checkpoint over them with another key" => {
            forge_tail(store, &s.client, 2, None).await;
            vault()
                .checkpoint(store, &witness())
                .await
                .unwrap()
                .unwrap();
        }
        "edit an event" => {
            sql(
                store,
                "UPDATE access_events SET actor_id = 'someone-else' WHERE seq = 3",
                &[],
            )
            .await;
        }
        "edit an event and rewrite every hash after it" => {
            sql(
                store,
                "UPDATE access_events SET purpose = 'operations' WHERE seq = 3",
                &[],
            )
            .await;
            relink_from(store, 3).await;
        }
        "insert an event and renumber and relink the rest" => {
            sql(
                store,
                "UPDATE access_events SET seq = seq + 1000000 WHERE seq >= 4",
                &[],
            )
            .await;
            sql(
                store,
                "UPDATE access_events SET seq = seq - 999999 WHERE seq >= 1000000",
                &[],
            )
            .await;
            insert_event(store, &forged_after(&events[2], &s.client)).await;
            relink_from(store, 5).await;
        }
        "reorder two events" => {
            for (from, to) in [(2, -1), (5, 2), (-1, 5)] {
                sql(
                    store,
                    "UPDATE access_events SET seq = $2 WHERE seq = $1",
                    &[from.into(), to.into()],
                )
                .await;
            }
        }
        "move the head row back" => set_head(store, n - 3, &hash_of(n - 3)).await,
        "replace a grant's reason with another grant's" => {
            sql(
                store,
                "UPDATE emergency_grants SET reason_sealed = \
                 (SELECT reason_sealed FROM emergency_grants WHERE id = $2) WHERE id = $1",
                &[s.ended_grant.clone().into(), s.live_grant.clone().into()],
            )
            .await;
        }
        "write a reason in clear for the next start to seal" => {
            sql(
                store,
                "UPDATE emergency_grants SET reason = 'Routine check, nothing to see here.', \
                 reason_sealed = NULL WHERE id = $1",
                &[s.ended_grant.clone().into()],
            )
            .await;
            s.v.seal_clear_secrets(store).await.unwrap();
        }
        "extend a live grant" => {
            sql(
                store,
                "UPDATE emergency_grants SET expires_at = expires_at + 86400000 WHERE id = $1",
                &[s.live_grant.clone().into()],
            )
            .await;
        }
        "delete a grant" => {
            sql(
                store,
                "DELETE FROM emergency_grants WHERE id = $1",
                &[s.ended_grant.clone().into()],
            )
            .await;
        }
        "add a grant outside Rapport" => {
            sql(
                store,
                "INSERT INTO emergency_grants (id, admin_id, client_id, reason, created_at, expires_at, ended_at) \
                 VALUES ('forged-grant', $1, $2, 'A written reason of thirty characters or more.', $3, $4, NULL)",
                &[s.admin.clone().into(), s.client.clone().into(), now.into(), (now + 1_800_000).into()],
            )
            .await;
        }
        "end a grant outside Rapport" => {
            sql(
                store,
                "UPDATE emergency_grants SET ended_at = $2 WHERE id = $1",
                &[s.live_grant.clone().into(), now.into()],
            )
            .await;
        }
        "revive an ended grant" => {
            sql(
                store,
                "UPDATE emergency_grants SET ended_at = NULL WHERE id = $1",
                &[s.ended_grant.clone().into()],
            )
            .await;
        }
        "reset the adoption flag so that forged events are adopted at the next start" => {
            sql(store, "UPDATE vault_state SET macs_adopted = 0", &[]).await;
            forge_tail(store, &s.client, 2, None).await;
            assert_eq!(
                s.v.adopt_unprotected_events(store, &s.w).await.unwrap(),
                0,
                "adoption happens once per installation, whatever the database says"
            );
        }
        other => unreachable!("no such attack: {other}"),
    }
}

const ATTACKS: &[&str] = &[
    "truncate the events after a checkpoint",
    "truncate, delete the later checkpoint and move the head row to match",
    "delete every event and checkpoint and reset the head row",
    "delete the checkpoints only",
    "forge events after the last checkpoint",
    "forge an event carrying a real event's MAC",
    "forge events and sign a checkpoint over them with another key",
    "edit an event",
    "edit an event and rewrite every hash after it",
    "insert an event and renumber and relink the rest",
    "reorder two events",
    "move the head row back",
    "replace a grant's reason with another grant's",
    "write a reason in clear for the next start to seal",
    "extend a live grant",
    "delete a grant",
    "add a grant outside Rapport",
    "end a grant outside Rapport",
    "revive an ended grant",
    "reset the adoption flag so that forged events are adopted at the next start",
];

store_test!(every_class_of_tampering_is_detected, |store| {
    let s = scene(&store).await;
    assert!(matches!(
        verify(&store, &s.v, &s.w).await,
        Verification::Intact { checkpoints: 2, .. }
    ));
    for table in GUARDED {
        sql(
            &store,
            &format!("CREATE TABLE pristine_{table} AS SELECT * FROM {table}"),
            &[],
        )
        .await;
    }
    for class in ATTACKS {
        attack(&store, &s, class).await;
        match verify(&store, &s.v, &s.w).await {
            Verification::Broken { seq, reason } => {
                println!("{class}: caught at event {seq}: {reason}")
            }
            intact => panic!("`{class}` went unnoticed: {intact:?}"),
        }
        for table in GUARDED {
            sql(&store, &format!("DELETE FROM {table}"), &[]).await;
            sql(
                &store,
                &format!("INSERT INTO {table} SELECT * FROM pristine_{table}"),
                &[],
            )
            .await;
        }
        assert!(
            matches!(
                verify(&store, &s.v, &s.w).await,
                Verification::Intact { .. }
            ),
            "after `{class}` the pristine log verifies again"
        );
    }
});

store_test!(the_window_is_the_time_until_the_next_checkpoint, |store| {
    let s = scene(&store).await;
    let lee = person(&store, "late@example.org", Role::Therapist).await;
    let ana = person(&store, "ana2@example.org", Role::Client).await;
    let care = relate(&store, &ana, &lee, Stage::Active).await.id;
    let signed = all_events(&store).await.len() as i64;
    seal(
        &store,
        &s.v,
        &treating(&lee),
        &note(&ana.user.id, &care, "late"),
        "x",
    )
    .await
    .unwrap();
    let last_signed = all_events(&store).await[(signed - 1) as usize].clone();
    let cut = |store: Store| async move {
        sql(
            &store,
            "DELETE FROM access_events WHERE seq > $1",
            &[signed.into()],
        )
        .await;
    };
    // Cut without touching the head row: caught at once.
    sql(
        &store,
        "CREATE TABLE pristine_events AS SELECT * FROM access_events",
        &[],
    )
    .await;
    cut(store.clone()).await;
    assert!(matches!(
        verify(&store, &s.v, &s.w).await,
        Verification::Broken { .. }
    ));
    // Cut and move the head row back too, before the next checkpoint: this is the
    // window docs/VAULT.md states (events not yet witnessed can vanish).
    set_head(&store, signed, &last_signed.hash).await;
    assert!(matches!(
        verify(&store, &s.v, &s.w).await,
        Verification::Intact { .. }
    ));
    // Once the checkpoint is signed (the server does it within a second), the same
    // cut is caught.
    sql(&store, "DELETE FROM access_events", &[]).await;
    sql(
        &store,
        "INSERT INTO access_events SELECT * FROM pristine_events",
        &[],
    )
    .await;
    let head = all_events(&store).await.pop().unwrap();
    set_head(&store, head.seq, &head.hash).await;
    assert!(s.v.checkpoint(&store, &s.w).await.unwrap().is_some());
    cut(store.clone()).await;
    set_head(&store, signed, &last_signed.hash).await;
    sql(
        &store,
        "DELETE FROM audit_checkpoints WHERE seq > $1",
        &[signed.into()],
    )
    .await;
    assert!(matches!(
        verify(&store, &s.v, &s.w).await,
        Verification::Broken { .. }
    ));
});
