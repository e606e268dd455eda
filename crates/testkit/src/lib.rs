//! Test support shared by Rapport's crates, in one place and never in the product:
//! fresh databases on both backends (`db`), a real SMTP server and mail decoding
//! (`smtp`), real FHIR and iCalendar readers (`readers`), and [`unavailable`]: a test that
//! cannot run because a tool, database or data set is missing fails under CI and only
//! skips, saying so, on a developer's machine.

pub mod db;
pub mod people;
pub mod readers;
pub mod smtp;

pub use db::{fresh_postgres, fresh_postgres_with_url, fresh_sqlite, fresh_store, suite_backend};
pub use people::{person, relate, relate_ids, Person, Stage};
pub use smtp::SmtpSink;

/// Set (to anything) by CI: every test must really run there.
pub const CI_VAR: &str = "CI";

/// True when running under CI (`CI` set to anything but empty, `0` or `false`).
pub fn in_ci() -> bool {
    std::env::var(CI_VAR).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Reports that a test cannot run because `what` is missing (with `how` to get it).
/// Under CI this panics, so the test fails; elsewhere it prints `SKIPPED` on stderr and
/// the caller returns early.
#[track_caller]
pub fn unavailable(what: &str, how: &str) {
    if in_ci() {
        panic!("CI must run this test, but {what} is missing ({how})");
    }
    eprintln!("SKIPPED: {what} is missing ({how}); this test did not run");
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port")
}

/// True when `python3 -c "import {module}"` succeeds.
pub fn python_has(module: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
