//! The vault on both backends: sealing binds a value to its place, client and care
//! relationship; the one access rule admits exactly whom it names; every access by someone
//! else is logged (tests/audit.rs attacks the log), keys rotate without losing a record,
//! and a destroyed data key makes a client's records unreadable for good.

use rapport_core::Role;
use rapport_store::raw::Bind;
use rapport_store::Store;
use rapport_testkit::people::{person, relate, Person, Stage};
use rapport_testkit::store_test;
use rapport_vault::{
    AccessContext, KeyEncryptionKey, KeyFiles, Locator, Purpose, RecordKind, SystemJob, Vault,
    VaultError,
};

mod common;
use common::*;

async fn refusals(store: &Store, who: &Person) -> usize {
    store
        .security_events(Some(&who.user.id), 100)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind.starts_with("vault_"))
        .count()
}

store_test!(sealed_values_open_only_in_their_place, |store| {
    let v = vault();
    let ana = person(&store, "ana@example.org", Role::Client).await;
    let ben = person(&store, "ben@example.org", Role::Client).await;
    let lee = person(&store, "lee@example.org", Role::Therapist).await;
    let care = relate(&store, &ana, &lee, Stage::Active).await.id;
    let ben_care = relate(&store, &ben, &lee, Stage::Active).await.id;
    let (a, b) = (&ana.user.id, &ben.user.id);
    let sealed = seal(
        &store,
        &v,
        &treating(&lee),
        &note(a, &care, "n1"),
        "canary-clinical-text",
    )
    .await
    .unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains("canary"));
    assert_eq!(
        open(&store, &v, &treating(&lee), &note(a, &care, "n1"), &sealed)
            .await
            .unwrap(),
        "canary-clinical-text"
    );
    for wrong in [
        note(a, &care, "n2"),
        note(b, &ben_care, "n1"),
        Locator {
            field: "title",
            ..note(a, &care, "n1")
        },
        Locator {
            table: "messages",
            ..note(a, &care, "n1")
        },
        Locator {
            kind: RecordKind::Message,
            ..note(a, &care, "n1")
        },
    ] {
        assert!(
            matches!(
                open(&store, &v, &treating(&lee), &wrong, &sealed).await,
                Err(VaultError::Tampered)
            ),
            "{wrong:?}"
        );
    }
    let mut flipped = sealed.clone();
    *flipped.last_mut().unwrap() ^= 1;
    assert!(matches!(
        open(&store, &v, &treating(&lee), &note(a, &care, "n1"), &flipped).await,
        Err(VaultError::Tampered)
    ));
    // Another operator key cannot unwrap this client's data key.
    assert!(open(
        &store,
        &vault(),
        &treating(&lee),
        &note(a, &care, "n1"),
        &sealed
    )
    .await
    .is_err());
    let wrapped = store
        .raw_bytes(
            "SELECT wrapped_dek FROM client_keys WHERE client_id = $1",
            &[Bind::from(a.as_str())],
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        wrapped.len(),
        1 + 24 + 32 + 16,
        "only the wrapped key is stored"
    );
});

/// Everyone the rule must tell apart, around one client.
struct Cast {
    ana: Person,
    active: Person,
    ended: Person,
    requested: Person,
    stranger: Person,
    other_client: Person,
    admin: Person,
    care_active: String,
    care_ended: String,
    care_requested: String,
}

async fn cast(store: &Store) -> Cast {
    let ana = person(store, "ana@example.org", Role::Client).await;
    let active = person(store, "active@example.org", Role::Therapist).await;
    let ended = person(store, "ended@example.org", Role::Therapist).await;
    let requested = person(store, "requested@example.org", Role::Therapist).await;
    let stranger = person(store, "stranger@example.org", Role::Therapist).await;
    let other_client = person(store, "other@example.org", Role::Client).await;
    let admin = person(store, "admin@example.org", Role::Admin).await;
    let care_active = relate(store, &ana, &active, Stage::Active).await.id;
    let care_ended = relate(store, &ana, &ended, Stage::Ended).await.id;
    let care_requested = relate(store, &ana, &requested, Stage::Requested).await.id;
    Cast {
        ana,
        active,
        ended,
        requested,
        stranger,
        other_client,
        admin,
        care_active,
        care_ended,
        care_requested,
    }
}

store_test!(the_access_rule_admits_exactly_whom_it_names, |store| {
    let v = vault();
    let c = cast(&store).await;
    let ana = &c.ana.user.id;
    // What the client wrote in each relationship (their own writes need nothing).
    let mine = AccessContext::person(&c.ana.proof, Purpose::ClientRequest, None);
    let request = Locator {
        kind: RecordKind::ContactRequest,
        ..note(ana, &c.care_requested, "q1")
    };
    let in_active = note(ana, &c.care_active, "n-active");
    let in_ended = note(ana, &c.care_ended, "n-ended");
    let mut sealed = Vec::new();
    for at in [&request, &in_active, &in_ended] {
        sealed.push(
            seal(&store, &v, &mine, at, "the client's words")
                .await
                .unwrap(),
        );
    }
    assert!(
        events(&store, ana).await.is_empty(),
        "the client's own writes are not events"
    );

    let admin_plain = AccessContext::person(&c.admin.proof, Purpose::Operations, None);
    let grant = break_glass(&store, &v, &admin_plain, ana).await;
    let other_grant = break_glass(&store, &v, &admin_plain, &c.other_client.user.id).await;
    let admin_emergency = AccessContext::emergency(&c.admin.proof, grant.id.clone(), None);
    let admin_wrong_grant = AccessContext::emergency(&c.admin.proof, other_grant.id.clone(), None);
    let therapist_with_grant = AccessContext::emergency(&c.active.proof, grant.id.clone(), None);

    let (t_active, t_ended, t_requested, t_stranger) = (
        treating(&c.active),
        treating(&c.ended),
        treating(&c.requested),
        treating(&c.stranger),
    );
    let other_client = AccessContext::person(&c.other_client.proof, Purpose::ClientRequest, None);
    let rotation = AccessContext::job(SystemJob::KeyRotation);
    let retention = AccessContext::job(SystemJob::Retention);
    let requested_note = Locator {
        kind: RecordKind::Note,
        ..request
    };
    // (who, context, where, which sealed value, may open, may seal)
    let cases: Vec<(&str, &AccessContext, &Locator<'_>, usize, bool, bool)> = vec![
        ("the client, a request", &mine, &request, 0, true, true),
        ("the client, active care", &mine, &in_active, 1, true, true),
        ("the client, ended care", &mine, &in_ended, 2, true, true),
        (
            "their therapist, active",
            &t_active,
            &in_active,
            1,
            true,
            true,
        ),
        (
            "their therapist, ended",
            &t_ended,
            &in_ended,
            2,
            true,
            false,
        ),
        (
            "a requested therapist, the request",
            &t_requested,
            &request,
            0,
            true,
            true,
        ),
        (
            "a requested therapist, another note",
            &t_requested,
            &requested_note,
            0,
            false,
            false,
        ),
        (
            "an active therapist, another therapist's care",
            &t_active,
            &in_ended,
            2,
            false,
            false,
        ),
        (
            "an ended therapist, another therapist's care",
            &t_ended,
            &in_active,
            1,
            false,
            false,
        ),
        (
            "a never-related therapist",
            &t_stranger,
            &in_active,
            1,
            false,
            false,
        ),
        ("another client", &other_client, &in_active, 1, false, false),
        (
            "an admin without a grant",
            &admin_plain,
            &in_active,
            1,
            false,
            false,
        ),
        (
            "an admin with a grant",
            &admin_emergency,
            &in_active,
            1,
            true,
            false,
        ),
        (
            "an admin with a grant for someone else",
            &admin_wrong_grant,
            &in_active,
            1,
            false,
            false,
        ),
        (
            "a therapist presenting an admin's grant",
            &therapist_with_grant,
            &in_active,
            1,
            false,
            false,
        ),
        ("key rotation", &rotation, &in_active, 1, false, false),
        ("retention", &retention, &in_active, 1, false, false),
    ];
    for (who, ctx, at, which, may_open, may_seal) in cases {
        let before = events(&store, ana).await.len();
        let opened = open(&store, &v, ctx, at, &sealed[which]).await;
        assert_eq!(opened.is_ok(), may_open, "{who} opening: {opened:?}");
        if !may_open {
            assert!(
                matches!(opened, Err(VaultError::NotPermitted)),
                "{who}: {opened:?}"
            );
        }
        let written = seal(&store, &v, ctx, at, "new words").await;
        assert_eq!(written.is_ok(), may_seal, "{who} sealing: {written:?}");
        let own = ctx.actor_id() == Some(ana) && !ctx.is_emergency();
        let logged = (may_open as usize + may_seal as usize) * usize::from(!own);
        assert_eq!(
            events(&store, ana).await.len() - before,
            logged,
            "{who}: every allowed access by someone else is one event, a refused one none"
        );
    }
    // Each refusal left a security event, though its transaction was rolled back.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let counts = (
            refusals(&store, &c.stranger).await,
            refusals(&store, &c.admin).await,
            refusals(&store, &c.requested).await,
        );
        // stranger: open + seal; admin: plain (2), wrong grant (2), granted seal (1);
        // requested therapist: another note (2).
        if counts == (2, 5, 2) || std::time::Instant::now() > deadline {
            assert_eq!(counts, (2, 5, 2));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let emergency_reads: Vec<_> = events(&store, ana)
        .await
        .into_iter()
        .filter(|e| e.emergency == 1 && e.record_kind != "emergency_grant")
        .collect();
    assert_eq!(emergency_reads.len(), 1);
    assert!(
        events(&store, ana)
            .await
            .iter()
            .any(|e| e.action == "grant" && e.record_id.starts_with(&format!("{}#", grant.id))),
        "the grant itself is in the client's log"
    );
    assert_eq!(emergency_reads[0].actor_role, "admin");
    assert_eq!(emergency_reads[0].purpose, "emergency");
});

store_test!(a_record_cannot_be_moved_to_another_relationship, |store| {
    let v = vault();
    let c = cast(&store).await;
    let ana = &c.ana.user.id;
    let sealed = seal(
        &store,
        &v,
        &treating(&c.active),
        &note(ana, &c.care_active, "n1"),
        "x",
    )
    .await
    .unwrap();
    // Pointing the row at the ended therapist's relationship does not let them read it.
    assert!(matches!(
        open(
            &store,
            &v,
            &treating(&c.ended),
            &note(ana, &c.care_ended, "n1"),
            &sealed
        )
        .await,
        Err(VaultError::Tampered)
    ));
    // A relationship of another client does not fit this client's record.
    let other_care = relate(&store, &c.other_client, &c.active, Stage::Active)
        .await
        .id;
    assert!(matches!(
        open(
            &store,
            &v,
            &treating(&c.active),
            &note(ana, &other_care, "n1"),
            &sealed
        )
        .await,
        Err(VaultError::NotPermitted)
    ));
    // Clinical records always name their relationship.
    let bare = Locator {
        care: None,
        ..note(ana, &c.care_active, "n1")
    };
    assert!(matches!(
        open(&store, &v, &treating(&c.active), &bare, &sealed).await,
        Err(VaultError::NotPermitted)
    ));
});

store_test!(destroying_a_data_key_erases_only_that_client, |store| {
    let v = vault();
    let lee = person(&store, "lee@example.org", Role::Therapist).await;
    let ana = person(&store, "ana@example.org", Role::Client).await;
    let ben = person(&store, "ben@example.org", Role::Client).await;
    let ca = relate(&store, &ana, &lee, Stage::Active).await.id;
    let cb = relate(&store, &ben, &lee, Stage::Active).await.id;
    let (a, b) = (&ana.user.id, &ben.user.id);
    let sa = seal(
        &store,
        &v,
        &treating(&lee),
        &note(a, &ca, "n1"),
        "ana's note",
    )
    .await
    .unwrap();
    let sb = seal(
        &store,
        &v,
        &treating(&lee),
        &note(b, &cb, "n1"),
        "ben's note",
    )
    .await
    .unwrap();
    let mut tx = store.begin_write().await.unwrap();
    assert!(v.destroy_client_key(&mut tx, a).await.unwrap());
    tx.commit().await.unwrap();
    assert!(matches!(
        open(&store, &v, &treating(&lee), &note(a, &ca, "n1"), &sa).await,
        Err(VaultError::KeyDestroyed)
    ));
    assert_eq!(
        open(&store, &v, &treating(&lee), &note(b, &cb, "n1"), &sb)
            .await
            .unwrap(),
        "ben's note"
    );
    // The client's log says what happened and which job did it.
    let destroyed = events(&store, a).await;
    assert!(destroyed.iter().any(|e| e.action == "destroy_key"
        && e.actor_id.as_deref() == Some("system:retention")
        && e.actor_role == "system"));
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
        let lee = person(&store, "lee@example.org", Role::Therapist).await;
        let mut sealed = Vec::new();
        for i in 0..20 {
            let client = person(&store, &format!("c{i}@example.org"), Role::Client).await;
            let care = relate(&store, &client, &lee, Stage::Active).await.id;
            let s = seal(
                &store,
                &server,
                &treating(&lee),
                &note(&client.user.id, &care, "n"),
                &format!("note {i}"),
            )
            .await
            .unwrap();
            sealed.push((client.user.id.clone(), care, s));
        }
        // A rotation that died right after switching to its new key: servers now wrap new
        // clients' keys under that key (the database says so), and a rerun finishes.
        let next_id = files.load_or_create_next().unwrap().id();
        store.switch_current_kek(&next_id).await.unwrap();
        let newcomer = person(&store, "newcomer@example.org", Role::Client).await;
        let newcomer_care = relate(&store, &newcomer, &lee, Stage::Active).await.id;
        let newcomer_note = seal(
            &store,
            &server,
            &treating(&lee),
            &note(&newcomer.user.id, &newcomer_care, "n"),
            "new",
        )
        .await
        .unwrap();
        sealed.push((newcomer.user.id.clone(), newcomer_care, newcomer_note));
        let calls = std::sync::Mutex::new(Vec::new());
        let moved = Vault::rotate(&store, &files, &|done, total| {
            calls.lock().unwrap().push((done, total))
        })
        .await
        .unwrap();
        assert_eq!(
            moved, 20,
            "the resumed rotation moves what was left, and only that"
        );
        assert_eq!(
            calls.lock().unwrap().last(),
            Some(&(20, 20)),
            "progress reaches the end"
        );
        assert_eq!(
            store.keys_by_kek().await.unwrap(),
            vec![(next_id.clone(), 21)]
        );
        let log = events(&store, &sealed[0].0).await;
        assert!(log
            .iter()
            .any(|e| e.action == "rewrap_key"
                && e.actor_id.as_deref() == Some("system:key-rotation")));

        // Two more rotations while the server keeps making new clients' keys.
        let writer = {
            let (store, server, lee) = (store.clone(), server.clone(), lee.clone());
            tokio::spawn(async move {
                let mut made = Vec::new();
                for i in 0..24 {
                    let client = person(&store, &format!("w{i}@example.org"), Role::Client).await;
                    let care = relate(&store, &client, &lee, Stage::Active).await.id;
                    let s = seal(
                        &store,
                        &server,
                        &treating(&lee),
                        &note(&client.user.id, &care, "n"),
                        &format!("during {i}"),
                    )
                    .await
                    .unwrap();
                    made.push((client.user.id.clone(), care, s));
                    tokio::task::yield_now().await;
                }
                made
            })
        };
        for _ in 0..2 {
            Vault::rotate(&store, &files, &|_, _| {}).await.unwrap();
            tokio::task::yield_now().await;
        }
        sealed.extend(writer.await.unwrap());
        // Whatever the writer made after the last rotation is under the current key too.
        Vault::rotate(&store, &files, &|_, _| {}).await.unwrap();
        let status = Vault::key_status(&store).await.unwrap();
        assert_eq!(
            status.wrapped.len(),
            1,
            "every data key under one key: {status:?}"
        );
        assert_eq!(status.wrapped[0].0, status.current.clone().unwrap());
        // The previous key is no longer needed: delete it, as an operator would.
        std::fs::remove_file(files.previous_kek_path()).unwrap();
        for v in [&server, &Vault::from_files(&files).unwrap()] {
            for (client, care, s) in &sealed {
                assert!(
                    open(&store, v, &treating(&lee), &note(client, care, "n"), s)
                        .await
                        .is_ok(),
                    "every record still opens, before and after a restart"
                );
            }
        }
    }
);
