//! Store behaviour on both backends (PostgreSQL when RAPPORT_TEST_POSTGRES_URL is set).

use rapport_core::{DisplayName, Email, Pronouns, Role, TimeZoneName, TokenId};
use rapport_store::sessions::{NewSession, SessionLevel};
use rapport_store::tokens::TokenPurpose;
use rapport_store::users::{NewUser, User};
use rapport_store::{token_hash, Store, StoreError};
use rapport_testkit::store_test;

async fn user(store: &Store, email: &str, role: Role) -> User {
    let email = Email::parse(email).unwrap();
    store
        .create_user(NewUser {
            email: &email,
            password_hash: "$argon2id$placeholder".into(),
            display_name: &DisplayName::parse("Ana Lee").unwrap(),
            pronouns: &Pronouns::parse(Some("she/her")).unwrap(),
            time_zone: &TimeZoneName::parse("America/Chicago").unwrap(),
            role,
            email_verified: false,
        })
        .await
        .unwrap()
}

store_test!(migrations_are_current, |store| {
    assert!(store.migrations_current().await.unwrap());
    store.ping().await.unwrap();
});

store_test!(users_are_unique_by_email, |store| {
    let ana = user(&store, "ana@example.org", Role::Client).await;
    assert_eq!(ana.pronouns.as_deref(), Some("she/her"));
    assert_eq!(ana.time_zone, "America/Chicago");
    let again = store
        .create_user(NewUser {
            email: &Email::parse("ANA@example.org").unwrap(),
            password_hash: "x".into(),
            display_name: &DisplayName::parse("Other").unwrap(),
            pronouns: &Pronouns::parse(None).unwrap(),
            time_zone: &TimeZoneName::default(),
            role: Role::Client,
            email_verified: false,
        })
        .await;
    assert!(matches!(again, Err(StoreError::Conflict("email"))));
    assert_eq!(store.count_users().await.unwrap(), 1);
    let found = store
        .user_by_email(&Email::parse("ana@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, ana.id);
    assert_eq!(found.role, Role::Client);
});

store_test!(sessions_rotate_expire_and_revoke, |store| {
    let ana = user(&store, "ana@example.org", Role::Therapist).await;
    let new = |hash: &'static str, idle: i64| NewSession {
        user_id: &ana.id,
        token_hash: hash,
        level: SessionLevel::PendingMfa,
        idle_timeout_ms: idle,
        absolute_timeout_ms: 3_600_000,
        user_agent: Some("test"),
        ip: Some("127.0.0.1"),
    };
    let id = store.create_session(new("h1", 60_000)).await.unwrap();
    let s = store.live_session("h1").await.unwrap().unwrap();
    assert_eq!(s.level, SessionLevel::PendingMfa);
    store
        .rotate_session(&id, "h2", SessionLevel::Mfa)
        .await
        .unwrap();
    assert!(
        store.live_session("h1").await.unwrap().is_none(),
        "old token dies at step-up"
    );
    assert_eq!(
        store.live_session("h2").await.unwrap().unwrap().level,
        SessionLevel::Mfa
    );
    // An idle timeout of zero is already expired.
    store.create_session(new("h3", 0)).await.unwrap();
    assert!(store.live_session("h3").await.unwrap().is_none());
    let other = store.create_session(new("h4", 60_000)).await.unwrap();
    assert_eq!(store.user_sessions(&ana.id).await.unwrap().len(), 2);
    // h2 and the already-expired h3 are revoked; h4 is kept.
    assert_eq!(
        store
            .revoke_user_sessions(&ana.id, Some(&other))
            .await
            .unwrap(),
        2
    );
    assert!(store.live_session("h2").await.unwrap().is_none());
    assert!(store.live_session("h4").await.unwrap().is_some());
    store.revoke_session(&other).await.unwrap();
    assert!(store.live_session("h4").await.unwrap().is_none());
});

store_test!(account_tokens_are_single_use_and_expire, |store| {
    let ana = user(&store, "ana@example.org", Role::Client).await;
    let p = TokenPurpose::ResetPassword;
    store
        .issue_account_token(&ana.id, p, &token_hash("a"), 60_000)
        .await
        .unwrap();
    assert!(store.account_token_live(p, &token_hash("a")).await.unwrap());
    assert!(
        store
            .consume_account_token(TokenPurpose::VerifyEmail, &token_hash("a"))
            .await
            .unwrap()
            .is_none(),
        "a reset token does not verify e-mail"
    );
    assert_eq!(
        store
            .consume_account_token(p, &token_hash("a"))
            .await
            .unwrap(),
        Some(ana.id.clone())
    );
    assert!(
        store
            .consume_account_token(p, &token_hash("a"))
            .await
            .unwrap()
            .is_none(),
        "single use"
    );
    store
        .issue_account_token(&ana.id, p, &token_hash("b"), -1)
        .await
        .unwrap();
    assert!(
        store
            .consume_account_token(p, &token_hash("b"))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    // A newer token supersedes older unused ones.
    store
        .issue_account_token(&ana.id, p, &token_hash("c"), 60_000)
        .await
        .unwrap();
    store
        .issue_account_token(&ana.id, p, &token_hash("d"), 60_000)
        .await
        .unwrap();
    assert!(store
        .consume_account_token(p, &token_hash("c"))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .consume_account_token(p, &token_hash("d"))
        .await
        .unwrap()
        .is_some());
});

store_test!(api_tokens_belong_to_their_owner, |store| {
    let ana = user(&store, "ana@example.org", Role::Client).await;
    let ben = user(&store, "ben@example.org", Role::Client).await;
    let t = store
        .create_api_token(&ana.id, "laptop", &token_hash("s"), 60_000)
        .await
        .unwrap();
    // One that has already run out is nobody's.
    store
        .create_api_token(&ana.id, "old", &token_hash("expired"), -1)
        .await
        .unwrap();
    assert!(store
        .api_token_owner(&token_hash("expired"))
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .api_token_owner(&token_hash("s"))
            .await
            .unwrap()
            .unwrap()
            .1
            .id,
        ana.id
    );
    assert!(matches!(
        store.revoke_api_token(&ben.id, &t.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.api_tokens(&ana.id).await.unwrap().len(), 2);
    store.revoke_api_token(&ana.id, &t.id).await.unwrap();
    assert!(store
        .api_token_owner(&token_hash("s"))
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        store
            .revoke_api_token(&ana.id, &TokenId("nope".into()))
            .await,
        Err(StoreError::NotFound)
    ));
});

store_test!(totp_steps_cannot_be_replayed, |store| {
    let ana = user(&store, "ana@example.org", Role::Admin).await;
    // The store keeps what the vault sealed; it never sees the seed itself.
    store
        .set_totp_pending(&ana.id, b"sealed-seed")
        .await
        .unwrap();
    store
        .enable_totp(&ana.id, 100, &["c1".into(), "c2".into()])
        .await
        .unwrap();
    let state = store.totp_state(&ana.id).await.unwrap();
    assert_eq!(state.secret.as_deref(), Some(&b"sealed-seed"[..]));
    assert!(state.pending.is_none());
    assert!(!store.claim_totp_step(&ana.id, 100).await.unwrap());
    assert!(store.claim_totp_step(&ana.id, 101).await.unwrap());
    assert!(store.use_recovery_code(&ana.id, "c1").await.unwrap());
    assert!(!store.use_recovery_code(&ana.id, "c1").await.unwrap());
    assert_eq!(store.recovery_codes_left(&ana.id).await.unwrap(), 1);
    assert!(store.user(&ana.id).await.unwrap().unwrap().mfa_enabled());
});

store_test!(login_failures_count_per_account_and_address, |store| {
    for _ in 0..3 {
        store
            .record_login_attempt("acct", "10.0.0.1", false)
            .await
            .unwrap();
    }
    store
        .record_login_attempt("other", "10.0.0.1", false)
        .await
        .unwrap();
    let c = store
        .recent_login_failures("acct", "10.0.0.1", 60_000)
        .await
        .unwrap();
    assert_eq!((c.for_account, c.for_address), (3, 4));
    store
        .record_login_attempt("acct", "10.0.0.2", true)
        .await
        .unwrap();
    let c = store
        .recent_login_failures("acct", "10.0.0.2", 60_000)
        .await
        .unwrap();
    assert_eq!(
        (c.for_account, c.for_address),
        (0, 0),
        "a success resets the account count"
    );
    store
        .record_security_event(None, "login_failed", Some("10.0.0.1"), Some("req-1"))
        .await
        .unwrap();
    let events = store.security_events(None, 10).await.unwrap();
    assert_eq!(events[0].kind, "login_failed");
});

store_test!(outbox_claims_once_and_retries, |store| {
    let id = rapport_store::new_id();
    let mut tx = store.begin_write().await.unwrap();
    let mail = rapport_store::outbox::NewMail {
        id: &id,
        to: "ana@example.org",
        subject: "Hello",
        body_sealed: b"sealed body".to_vec(),
    };
    rapport_store::outbox::enqueue(&mut tx, mail).await.unwrap();
    tx.commit().await.unwrap();
    let first = store.claim_due_mail(10, 60_000).await.unwrap();
    assert_eq!(first.len(), 1);
    assert!(
        store.claim_due_mail(10, 60_000).await.unwrap().is_empty(),
        "leased"
    );
    store
        .mark_mail_failed(&id, "connection refused", 0, 3)
        .await
        .unwrap();
    let again = store.claim_due_mail(10, 60_000).await.unwrap();
    assert_eq!(again[0].attempts, 1);
    store.mark_mail_sent(&id).await.unwrap();
    assert_eq!(store.outbox_counts().await.unwrap(), (0, 1, 0));
});

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout() {
    let store = rapport_testkit::fresh_sqlite().await;
    let mode = store.raw_rows("PRAGMA journal_mode", &[]).await.unwrap();
    assert_eq!(mode[0][0].as_deref(), Some("wal"));
    let fk = store.raw_i64("PRAGMA foreign_keys", &[]).await.unwrap();
    assert_eq!(fk, 1);
    let busy = store.raw_i64("PRAGMA busy_timeout", &[]).await.unwrap();
    // Durable by default: the log is synced at every commit (2 = FULL) …
    let sync = store.raw_i64("PRAGMA synchronous", &[]).await.unwrap();
    assert_eq!(sync, 2, "synchronous = FULL");
    // … unless the operator chose speed over power-loss durability (1 = NORMAL).
    let dir = std::env::temp_dir().join(format!("rapport-normal-{}", rapport_store::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fast = Store::open_with(
        &format!("sqlite://{}", dir.join("fast.db").display()),
        rapport_store::Durability::Normal,
    )
    .await
    .unwrap();
    assert_eq!(fast.raw_i64("PRAGMA synchronous", &[]).await.unwrap(), 1);
    assert!(busy >= 5000);
    // Deleted and overwritten cells are zeroed, not left in free pages.
    assert_eq!(store.raw_i64("PRAGMA secure_delete", &[]).await.unwrap(), 1);
}
