//! The real `rapport` binary: its help, its refusals, `admin create-user`, and a served
//! journey over real SMTP whose logs must never contain a password, e-mail or token.

mod common;

use common::*;
use rapport_testkit::smtp::find_link;
use rapport_testkit::SmtpSink;
use serde_json::{json, Value};
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

#[test]
fn help_explains_every_option() {
    let out = rapport().arg("--help").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for cmd in ["serve", "migrate", "admin"] {
        assert!(text.contains(cmd), "--help lacks {cmd}");
    }
    let serve =
        String::from_utf8(rapport().args(["serve", "--help"]).output().unwrap().stdout).unwrap();
    for (flag, env) in [
        ("--listen", "RAPPORT_LISTEN"),
        ("--database-url", "RAPPORT_DATABASE_URL"),
        ("--data-dir", "RAPPORT_DATA_DIR"),
        ("--base-url", "RAPPORT_BASE_URL"),
        ("--smtp-url", "RAPPORT_SMTP_URL"),
        ("--demo", "RAPPORT_DEMO"),
    ] {
        assert!(
            serve.contains(flag) && serve.contains(env),
            "serve --help lacks {flag} / {env}"
        );
    }
    let create = String::from_utf8(
        rapport()
            .args(["admin", "create-user", "--help"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for flag in [
        "--email",
        "--name",
        "--role",
        "--password-stdin",
        "--time-zone",
    ] {
        assert!(create.contains(flag), "create-user --help lacks {flag}");
    }
}

#[test]
fn unknown_database_schemes_are_refused_clearly() {
    let dir = temp_dir("scheme");
    let out = rapport()
        .args([
            "migrate",
            "--database-url",
            "mysql://root@localhost/rapport",
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unsupported database URL scheme \"mysql\""),
        "{err}"
    );
}

#[test]
fn migrate_and_create_the_first_admin() {
    let dir = temp_dir("admin");
    let out = rapport()
        .args(["migrate", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.join("rapport.db").exists(),
        "SQLite file in the data directory"
    );

    let create = |password: &str| {
        let mut child = rapport()
            .args([
                "admin",
                "create-user",
                "--email",
                "root@example.org",
                "--name",
                "Root",
                "--password-stdin",
                "--data-dir",
            ])
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = create("password123");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("common or breached"));
    let ok = create("lantern orchard tuesday pebble");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("Created admin Root"));
    let dup = create("lantern orchard tuesday pebble");
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));

    // Without --password-stdin a strong password is generated and shown once.
    let gen = rapport()
        .args([
            "admin",
            "create-user",
            "--email",
            "lee@example.org",
            "--name",
            "Dr. Lee",
            "--role",
            "therapist",
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&gen.stdout);
    assert!(
        text.contains("Password (shown once") && text.contains("two-step verification"),
        "{text}"
    );
}

fn cookie(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| {
            c.split(';')
                .next()
                .unwrap()
                .split_once('=')
                .unwrap()
                .1
                .to_string()
        })
}

#[test]
fn logs_never_contain_passwords_addresses_or_tokens() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let dir = temp_dir("canary");
    std::fs::create_dir_all(&dir).unwrap();
    let server = Server::start(&dir, &sink.url());
    let email = "canary.q7zk@example.org";
    let password = "canary-Pw-violet-anchor-drift";
    let wrong = "canary-Wrong-harbour-lantern";
    let new_password = "canary-New-orchard-pebble-sky";

    let (s, _, _) = server.post(
        "/api/v1/accounts",
        json!({"email": email, "password": password, "display_name": "Canary", "time_zone": "UTC"}),
        &[],
    );
    assert_eq!(s, 202);
    let mails = sink.wait_for(email, 1, Duration::from_secs(20));
    let verify = find_link(&mails[0], &format!("{}/verify-email?token=", server.base)).unwrap();
    let verify_token = verify.split("token=").nth(1).unwrap().to_string();
    assert_eq!(
        server
            .post(
                "/api/v1/accounts/verify-email",
                json!({"token": verify_token}),
                &[]
            )
            .0,
        204
    );
    assert_eq!(
        server
            .post(
                "/api/v1/session",
                json!({"email": email, "password": wrong}),
                &[]
            )
            .0,
        401
    );
    let (s, cookies, _) = server.post(
        "/api/v1/session",
        json!({"email": email, "password": password}),
        &[],
    );
    assert_eq!(s, 200);
    let session = cookie(&cookies, "__Host-rapport-session").unwrap();
    let csrf = cookie(&cookies, "__Host-rapport-csrf").unwrap();
    let jar = format!("__Host-rapport-session={session}; __Host-rapport-csrf={csrf}");
    let (s, _, created) = server.post(
        "/api/v1/me/tokens",
        json!({"name": "canary"}),
        &[("cookie", &jar), ("x-csrf-token", &csrf)],
    );
    assert_eq!(s, 201);
    let secret = created["secret"].as_str().unwrap().to_string();
    let me = ureq::get(&format!("{}/api/v1/me", server.base))
        .set("authorization", &format!("Bearer {secret}"))
        .call()
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(
        server
            .post("/api/v1/password-reset", json!({"email": email}), &[])
            .0,
        202
    );
    let mails = sink.wait_for(email, 2, Duration::from_secs(20));
    let reset = mails
        .iter()
        .find_map(|m| find_link(m, &format!("{}/password-reset/confirm?token=", server.base)))
        .unwrap();
    let reset_token = reset.split("token=").nth(1).unwrap().to_string();
    // A token in a URL must not reach the logs either.
    let _ = ureq::get(&reset).call();
    assert_eq!(
        server
            .post(
                "/api/v1/password-reset/confirm",
                json!({"token": reset_token, "new_password": new_password}),
                &[]
            )
            .0,
        204
    );

    let logs = server.stop(&dir);
    assert!(logs.contains("shut down cleanly"));
    let request_lines: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["message"] == "request")
        .collect();
    assert!(request_lines.len() >= 10, "structured request logs");
    assert!(request_lines
        .iter()
        .all(|v| v["request_id"].as_str().is_some_and(|r| r.len() >= 32)));
    for canary in [
        email,
        "canary.q7zk",
        password,
        wrong,
        new_password,
        &secret,
        &session,
        &csrf,
        &verify_token,
        &reset_token,
    ] {
        assert!(
            !logs.contains(canary),
            "a log line contains a secret or personal datum: {canary}"
        );
    }
}

#[test]
fn keys_are_created_private_and_a_readable_key_stops_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("keys");
    let port = free_port();
    let first = Server::start(&dir, "smtp://127.0.0.1:9");
    let kek = dir.join("keys").join("kek");
    assert_eq!(
        std::fs::metadata(&kek).unwrap().permissions().mode() & 0o777,
        0o600
    );
    first.stop(&dir);
    let verify = rapport()
        .args(["audit", "verify", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(verify.status.success());
    assert!(String::from_utf8_lossy(&verify.stdout).contains("The access log is intact"));

    std::fs::set_permissions(&kek, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = rapport()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success(), "the server must refuse to start");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("readable by other users") && err.contains("chmod 600"),
        "{err}"
    );
}

#[test]
fn backups_round_trip_and_a_tampered_backup_is_refused() {
    let dir = temp_dir("backup");
    assert!(rapport()
        .args(["migrate", "--data-dir"])
        .arg(&dir)
        .status()
        .unwrap()
        .success());
    let db_url = format!("sqlite://{}", dir.join("rapport.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let canary = "canary-backup-clinical-7f3q";
    let seal_notes = |n: usize| {
        rt.block_on(async {
            let store = rapport_store::Store::open(&db_url).await.unwrap();
            seal_and_checkpoint(&store, &dir.join("keys"), n, canary).await;
            store.close().await;
        })
    };
    seal_notes(5);
    let backup = dir.join("backup.db");
    let out = rapport()
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
    let bytes = std::fs::read(&backup).unwrap();
    assert!(
        !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
        "the backup holds no plaintext"
    );

    seal_notes(3); // the live database moves on
                   // A tampered copy is refused and replaces nothing.
    let tampered = dir.join("tampered.db");
    std::fs::copy(&backup, &tampered).unwrap();
    rt.block_on(async {
        let s = rapport_store::Store::connect(&format!("sqlite://{}", tampered.display()))
            .await
            .unwrap();
        s.raw_execute(
            "UPDATE access_events SET actor_id = 'someone-else' WHERE seq = 2",
            &[],
        )
        .await
        .unwrap();
        s.close().await;
    });
    let refused = rapport()
        .args(["restore", "--data-dir"])
        .arg(&dir)
        .arg("--from")
        .arg(&tampered)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("broken at event #2"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let verify = rapport()
        .args(["audit", "verify", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("intact: 8 events"),
        "live data untouched"
    );
    // A copy whose sealed records were altered would not open: refused too.
    let altered = dir.join("altered.db");
    std::fs::copy(&backup, &altered).unwrap();
    rt.block_on(async {
        let s = rapport_store::Store::connect(&format!("sqlite://{}", altered.display()))
            .await
            .unwrap();
        s.raw_execute(
            "UPDATE contact_requests SET body_sealed = zeroblob(80)",
            &[],
        )
        .await
        .unwrap();
        s.close().await;
    });
    let refused = rapport()
        .args(["restore", "--data-dir"])
        .arg(&dir)
        .arg("--from")
        .arg(&altered)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("failed to open"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let restored = rapport()
        .args(["restore", "--data-dir"])
        .arg(&dir)
        .arg("--from")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let verify = rapport()
        .args(["audit", "verify", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(verify.status.success());
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("intact: 5 events, 1 signed checkpoints"),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    assert!(
        String::from_utf8_lossy(&restored.stdout).contains("5 sealed records opened"),
        "{}",
        String::from_utf8_lossy(&restored.stdout)
    );
    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, "not a database").unwrap();
    let out = rapport()
        .args(["restore", "--data-dir"])
        .arg(&dir)
        .arg("--from")
        .arg(&garbage)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an SQLite database"));
}

#[test]
fn postgres_backups_round_trip_with_the_audit_chain_intact() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some((store, url)) = rt.block_on(rapport_testkit::fresh_postgres_with_url()) else {
        rapport_testkit::unavailable(
            "a PostgreSQL server for the backup round trip",
            "set RAPPORT_TEST_POSTGRES_URL",
        );
        return;
    };
    let dir = temp_dir("pgbackup");
    let seal = |n: usize| rt.block_on(seal_and_checkpoint(&store, &dir.join("keys"), n, "hello"));
    seal(4);
    let run = |args: &[&str]| {
        rapport()
            .args(args)
            .arg("--database-url")
            .arg(&url)
            .arg("--data-dir")
            .arg(&dir)
            .output()
            .unwrap()
    };
    let backup = dir.join("pg.dump");
    let out = run(&["backup", "--out", backup.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    seal(2);
    assert!(String::from_utf8_lossy(&run(&["audit", "verify"]).stdout).contains("intact: 6 events"));
    // While something else is connected (as a server would be), restore refuses.
    let busy = run(&["restore", "--from", backup.to_str().unwrap()]);
    assert!(!busy.status.success());
    assert!(
        String::from_utf8_lossy(&busy.stderr).contains("other connections are using this database"),
        "{}",
        String::from_utf8_lossy(&busy.stderr)
    );
    rt.block_on(store.close());
    let restored = run(&["restore", "--from", backup.to_str().unwrap()]);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let verify = run(&["audit", "verify"]);
    assert!(verify.status.success());
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("intact: 4 events, 1 signed checkpoints"),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

/// Seals `text` for `n` new clients, then signs a checkpoint: access events for a backup
/// to carry.
async fn seal_and_checkpoint(
    store: &rapport_store::Store,
    keys: &std::path::Path,
    n: usize,
    text: &str,
) {
    seal_notes(store, keys, n, text).await;
    // The data directory's own witness, beside its keys, as a server would record it.
    let vault = rapport_vault::Vault::from_files(&rapport_vault::KeyFiles::new(keys)).unwrap();
    let witness = rapport_vault::Witness::new(keys.parent().unwrap(), &[]);
    vault.checkpoint(store, &witness).await.unwrap();
}
