//! No live secret at rest in clear: a real server runs the flows that create secrets —
//! e-mail verification, a password reset left unused, sessions, an API token, two-step
//! verification (enrolled, and begun but not confirmed), recovery codes, a signed consent
//! and a break-glass grant — and then the database file, its write-ahead log (read while
//! the server still runs) and a backup are searched for every one of them, byte for byte.

mod common;

use common::*;
use rapport_testkit::smtp::find_link;
use rapport_testkit::SmtpSink;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// A signed-in browser-like client: its cookies, sent back with the CSRF header.
struct Session {
    jar: std::collections::BTreeMap<String, String>,
}

impl Session {
    fn new() -> Self {
        Self {
            jar: Default::default(),
        }
    }

    fn keep(&mut self, set_cookies: &[String]) {
        for c in set_cookies {
            let pair = c.split(';').next().unwrap_or_default();
            if let Some((k, v)) = pair.split_once('=') {
                self.jar.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
    }

    fn get(&self, name: &str) -> String {
        self.jar.get(name).cloned().unwrap_or_default()
    }

    fn post(&mut self, server: &Server, path: &str, body: Value) -> (u16, Value) {
        let cookie = self
            .jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let csrf = self.get("__Host-rapport-csrf");
        let (status, cookies, json) =
            server.post(path, body, &[("cookie", &cookie), ("x-csrf-token", &csrf)]);
        self.keep(&cookies);
        (status, json)
    }

    fn sign_in(&mut self, server: &Server, email: &str, password: &str) {
        let (s, _) = self.post(
            server,
            "/api/v1/session",
            json!({"email": email, "password": password}),
        );
        assert_eq!(s, 200, "sign in as {email}");
    }
}

fn code(secret: &str) -> String {
    rapport_server::platform::auth::totp::code_at(secret, (rapport_store::now_ms() / 1000) as u64)
        .unwrap()
}

/// Turns on two-step verification; returns the seed and the recovery codes.
fn enrol(server: &Server, s: &mut Session) -> (String, Vec<String>) {
    let (st, e) = s.post(server, "/api/v1/me/mfa/totp", json!({}));
    assert_eq!(st, 201, "{e}");
    let seed = e["secret"].as_str().unwrap().to_string();
    let (st, r) = s.post(
        server,
        "/api/v1/me/mfa/totp/confirm",
        json!({"code": code(&seed)}),
    );
    assert_eq!(st, 200, "{r}");
    let codes = r["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    (seed, codes)
}

fn create_user(dir: &Path, email: &str, role: &str, password: &str) {
    let mut child = rapport()
        .args([
            "admin",
            "create-user",
            "--email",
            email,
            "--name",
            "Someone",
            "--role",
            role,
        ])
        .args(["--password-stdin", "--data-dir"])
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn assert_absent(what: &str, bytes: &[u8], secrets: &[(&str, String)]) {
    assert!(!bytes.is_empty(), "{what} is empty: nothing was searched");
    for (name, secret) in secrets {
        assert!(secret.len() >= 8, "{name} is too short to search for");
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{what} holds {name} in clear"
        );
    }
}

#[test]
fn no_secret_a_flow_creates_is_in_the_database_its_wal_or_a_backup() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let dir = temp_dir("secrets");
    let admin_password = "lantern orchard tuesday pebble";
    create_user(&dir, "root@example.org", "admin", admin_password);
    create_user(&dir, "lee@example.org", "therapist", admin_password);
    let server = Server::start(&dir, &sink.url());
    let mail_link = |to: &str, n: usize, prefix: &str| {
        let mails = sink.wait_for(to, n, Duration::from_secs(20));
        mails
            .iter()
            .rev()
            .find_map(|m| find_link(m, &format!("{}{prefix}", server.base)))
            .unwrap_or_else(|| panic!("no {prefix} link in {mails:?}"))
            .split("token=")
            .nth(1)
            .unwrap()
            .to_string()
    };

    // A client signs up and confirms their address.
    let email = "ana.secrets@example.org";
    let password = "canary violet anchor drift";
    let (st, _, _) = server.post(
        "/api/v1/accounts",
        json!({"email": email, "password": password, "display_name": "Ana", "time_zone": "UTC"}),
        &[],
    );
    assert_eq!(st, 202);
    let verify_token = mail_link(email, 1, "/verify-email?token=");
    let (st, _, _) = server.post(
        "/api/v1/accounts/verify-email",
        json!({"token": verify_token}),
        &[],
    );
    assert_eq!(st, 204);
    let mut ana = Session::new();
    ana.sign_in(&server, email, password);
    let (ana_seed, recovery) = enrol(&server, &mut ana);
    // (After enrolling: turning two-step verification on ends older tokens.)
    let (st, token) = ana.post(&server, "/api/v1/me/tokens", json!({"name": "mine"}));
    assert_eq!(st, 201);
    let api_token = token["secret"].as_str().unwrap().to_string();
    // A consent, signed with a typed name.
    let typed_name = "Ana Canary-Signer Qz";
    let consents = ureq::get(&format!("{}/api/v1/consents", server.base))
        .set("authorization", &format!("Bearer {api_token}"))
        .call()
        .unwrap()
        .into_json::<Value>()
        .unwrap();
    let first = &consents.as_array().unwrap()[0];
    let (st, r) = ana.post(
        &server,
        &format!(
            "/api/v1/consents/{}/signature",
            first["key"].as_str().unwrap()
        ),
        json!({"typed_name": typed_name, "version": first["version"]}),
    );
    assert!(st == 201 || st == 204, "{st} {r}");
    // A password reset asked for and left unused: a live one-time link.
    let (st, _, _) = server.post("/api/v1/password-reset", json!({"email": email}), &[]);
    assert_eq!(st, 202);
    let reset_token = mail_link(email, 2, "/password-reset/confirm?token=");

    // A therapist begins two-step verification and stops before confirming.
    let mut lee = Session::new();
    lee.sign_in(&server, "lee@example.org", admin_password);
    let (st, pending) = lee.post(&server, "/api/v1/me/mfa/totp", json!({}));
    assert_eq!(st, 201);
    let pending_seed = pending["secret"].as_str().unwrap().to_string();

    // An administrator enrols, then opens the client's records with a written reason.
    let mut root = Session::new();
    root.sign_in(&server, "root@example.org", admin_password);
    let (admin_seed, _) = enrol(&server, &mut root);
    let reason = "CANARY-REASON: the client wrote of a plan to end their life tonight.";
    let (st, g) = root.post(
        &server,
        "/api/v1/admin/emergency-access",
        json!({"client_email": email, "reason": reason, "minutes": 10}),
    );
    assert_eq!(st, 201, "{g}");

    let secrets: Vec<(&str, String)> = vec![
        ("the client's password", password.to_string()),
        ("the administrator's password", admin_password.to_string()),
        ("the e-mail verification token", verify_token),
        ("the live password-reset token", reset_token),
        (
            "the client's session token",
            ana.get("__Host-rapport-session"),
        ),
        (
            "the administrator's session token",
            root.get("__Host-rapport-session"),
        ),
        ("the CSRF token", ana.get("__Host-rapport-csrf")),
        ("the API token", api_token),
        ("the client's TOTP seed", ana_seed),
        ("the administrator's TOTP seed", admin_seed),
        ("a TOTP seed offered but not confirmed", pending_seed),
        ("a recovery code", recovery[0].clone()),
        ("the typed consent name", typed_name.to_string()),
        ("the break-glass reason", reason.to_string()),
    ];
    for (name, s) in &secrets {
        assert!(!s.is_empty(), "{name} was created");
    }

    // The files as they are under the running server, WAL included.
    let db = std::fs::read(dir.join("rapport.db")).unwrap();
    let wal = std::fs::read(dir.join("rapport.db-wal")).unwrap();
    assert!(
        db.len() + wal.len() > 256 * 1024,
        "the flows' rows are in the file or its log"
    );
    assert_absent("the database file", &db, &secrets);
    assert_absent("the write-ahead log", &wal, &secrets);
    let backup = dir.with_extension("backup.db");
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
    assert_absent("the backup", &std::fs::read(&backup).unwrap(), &secrets);

    // And they still work: the client's second factor opens from its sealed seed.
    server.stop(&dir);
    let server = Server::start(&dir, &sink.url());
    let mut again = Session::new();
    again.sign_in(&server, email, password);
    let (st, _) = again.post(&server, "/api/v1/session/mfa", json!({"code": recovery[1]}));
    assert_eq!(st, 200, "a recovery code still signs in");
    server.stop(&dir);
}
