//! The platform's own secrets sealed under the operator's data key: bound to their place,
//! unreadable under another operator key, and those an earlier version stored in clear
//! are sealed (and their clear copies emptied) once, at start-up.

mod common;

use common::*;
use rapport_core::Role;
use rapport_store::raw::Bind;
use rapport_testkit::people::person;
use rapport_testkit::store_test;
use rapport_vault::{SecretAt, VaultError};

store_test!(
    secrets_open_only_in_their_place_and_under_their_key,
    |store| {
        let v = vault();
        let mut tx = store.begin_write().await.unwrap();
        let sealed = v
            .seal_secret(&mut tx, SecretAt::totp("u1"), "JBSWY3DPEHPK3PXP")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("JBSWY3DP"));
        assert_eq!(
            v.open_secret_now(&store, SecretAt::totp("u1"), &sealed)
                .await
                .unwrap()
                .as_str(),
            "JBSWY3DPEHPK3PXP"
        );
        for wrong in [
            SecretAt::totp("u2"),
            SecretAt::consent_name("u1"),
            SecretAt::mail_body("u1"),
        ] {
            assert!(matches!(
                v.open_secret_now(&store, wrong, &sealed).await,
                Err(VaultError::Tampered)
            ));
        }
        assert!(
            vault()
                .open_secret_now(&store, SecretAt::totp("u1"), &sealed)
                .await
                .is_err(),
            "another operator's key opens nothing"
        );
    }
);

store_test!(
    secrets_stored_in_clear_before_are_sealed_once_at_start_up,
    |store| {
        let v = vault();
        let ana = person(&store, "ana@example.org", Role::Client).await;
        let admin = person(&store, "root@example.org", Role::Admin).await;
        let id = ana.user.id.to_string();
        let sql = |text: &'static str, binds: Vec<Bind>| {
            let store = store.clone();
            async move { store.raw_execute(text, &binds).await.unwrap() }
        };
        // Rows as the previous version wrote them.
        sql(
            "UPDATE users SET totp_secret = 'OLDSEEDOLDSEED22' WHERE id = $1",
            vec![id.clone().into()],
        )
        .await;
        sql(
        "INSERT INTO consent_signatures (id, client_id, document, version, text_sha256, typed_name, signed_at) \
         VALUES ('sig-1', $1, 'privacy-notice', 1, 'x', 'Ana Old-Name', 1)",
        vec![id.clone().into()],
    )
    .await;
        sql(
        "INSERT INTO emergency_grants (id, admin_id, client_id, reason, created_at, expires_at) \
         VALUES ('g-1', $1, $2, 'An old reason written before sealing existed.', 1, 2)",
        vec![admin.user.id.to_string().into(), id.clone().into()],
    )
    .await;
        sql(
            "INSERT INTO outbox (id, to_addr, subject, body_text, created_at, next_attempt_at) \
         VALUES ('m-1', 'ana@example.org', 'Reset', 'https://x/reset?token=OLDTOKEN123', 1, 1)",
            vec![],
        )
        .await;
        assert_eq!(v.seal_clear_secrets(&store).await.unwrap(), 4);
        assert_eq!(
            v.seal_clear_secrets(&store).await.unwrap(),
            0,
            "once is enough"
        );
        let clear = store
            .raw_i64(
                "SELECT (SELECT COUNT(*) FROM users WHERE totp_secret IS NOT NULL) \
             + (SELECT COUNT(*) FROM consent_signatures WHERE typed_name <> '') \
             + (SELECT COUNT(*) FROM emergency_grants WHERE reason <> '') \
             + (SELECT COUNT(*) FROM outbox WHERE body_text IS NOT NULL)",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(clear, 0, "no clear copy is left");
        for (query, row, at, want) in [
            (
                "SELECT totp_secret_sealed FROM users WHERE id = $1",
                id.as_str(),
                SecretAt::totp(&id),
                "OLDSEEDOLDSEED22",
            ),
            (
                "SELECT typed_name_sealed FROM consent_signatures WHERE id = $1",
                "sig-1",
                SecretAt::consent_name("sig-1"),
                "Ana Old-Name",
            ),
            (
                "SELECT reason_sealed FROM emergency_grants WHERE id = $1",
                "g-1",
                SecretAt::grant_reason("g-1"),
                "An old reason written before sealing existed.",
            ),
            (
                "SELECT body_sealed FROM outbox WHERE id = $1",
                "m-1",
                SecretAt::mail_body("m-1"),
                "https://x/reset?token=OLDTOKEN123",
            ),
        ] {
            let sealed = store
                .raw_bytes(query, &[Bind::from(row)])
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                v.open_secret_now(&store, at, &sealed)
                    .await
                    .unwrap()
                    .as_str(),
                want
            );
        }
    }
);
