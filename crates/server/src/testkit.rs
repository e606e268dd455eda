//! Test support shared by the server's and the CLI's tests: a real SMTP server
//! (Python's aiosmtpd, writing a Maildir) and mail decoding. Not used by the product.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set to 1 (as CI does) to fail, rather than skip, when aiosmtpd is missing.
pub const REQUIRE_SMTP_VAR: &str = "RAPPORT_REQUIRE_SMTP_TESTS";

/// A running aiosmtpd that stores every message it receives in a Maildir.
pub struct SmtpSink {
    pub port: u16,
    pub maildir: PathBuf,
    child: Child,
}

impl SmtpSink {
    /// Starts the sink, or returns `None` (after saying so on stderr) when Python's
    /// aiosmtpd is not installed and [`REQUIRE_SMTP_VAR`] is not set.
    pub fn start() -> Option<SmtpSink> {
        let available = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            if std::env::var(REQUIRE_SMTP_VAR).is_ok_and(|v| v == "1") {
                panic!("{REQUIRE_SMTP_VAR}=1 but python3 cannot import aiosmtpd (pip install aiosmtpd)");
            }
            eprintln!("SKIPPED: real-SMTP test needs Python's aiosmtpd (pip install aiosmtpd)");
            return None;
        }
        let port = free_port();
        let maildir =
            std::env::temp_dir().join(format!("rapport-maildir-{}", uuid::Uuid::new_v4()));
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(SmtpSink {
            port,
            maildir,
            child,
        })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far for `to`, decoded, oldest first.
    pub fn messages_to(&self, to: &str) -> Vec<String> {
        let mut found = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) else {
                continue;
            };
            for e in entries.flatten() {
                let Ok(raw) = std::fs::read_to_string(e.path()) else {
                    continue;
                };
                let modified = e.metadata().and_then(|m| m.modified()).ok();
                let text = decode_quoted_printable(&raw);
                if text
                    .lines()
                    .any(|l| l.to_ascii_lowercase().starts_with("to:") && l.contains(to))
                {
                    found.push((modified, text));
                }
            }
        }
        found.sort_by_key(|(t, _)| *t);
        found.into_iter().map(|(_, t)| t).collect()
    }

    /// Waits until at least `n` messages for `to` have arrived.
    pub fn wait_for(&self, to: &str, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.messages_to(to);
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Validates `json` as an HL7 FHIR R4 resource with the Python `fhir.resources` models
/// (R4B), returning the validator's complaint if any. `None` (after saying so) when the
/// package is missing and [`REQUIRE_SMTP_VAR`]-style strictness is off; CI installs it.
pub fn fhir_validate(json: &str, resource: &str) -> Option<Result<(), String>> {
    let module = resource.to_lowercase();
    let probe = Command::new("python3")
        .args(["-c", "import fhir.resources.R4B"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !probe {
        if std::env::var(REQUIRE_SMTP_VAR).is_ok_and(|v| v == "1") {
            panic!("CI must validate FHIR: pip install fhir.resources");
        }
        eprintln!(
            "SKIPPED: FHIR validation needs Python's fhir.resources (pip install fhir.resources)"
        );
        return None;
    }
    let path = std::env::temp_dir().join(format!("rapport-fhir-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, json).ok()?;
    let script = format!(
        "import sys\nfrom fhir.resources.R4B.{module} import {resource}\n{resource}.model_validate_json(open(sys.argv[1]).read())\n"
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .arg(&path)
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&path);
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

/// Parses iCalendar text with Python's `icalendar` library (a real RFC 5545 reader) and
/// returns what it understood: each time zone's id, and each event's UID, SUMMARY,
/// DESCRIPTION, STATUS, and start and end as UTC instants plus the TZID they were written
/// in. `None` (after saying so) when the library is missing and strictness is off; CI
/// installs it.
pub fn ical_read(ics: &str) -> Option<Result<serde_json::Value, String>> {
    let probe = Command::new("python3")
        .args(["-c", "import icalendar"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !probe {
        if std::env::var(REQUIRE_SMTP_VAR).is_ok_and(|v| v == "1") {
            panic!("CI must parse calendars: pip install icalendar");
        }
        eprintln!("SKIPPED: calendar parsing needs Python's icalendar (pip install icalendar)");
        return None;
    }
    let path = std::env::temp_dir().join(format!("rapport-ical-{}.ics", uuid::Uuid::new_v4()));
    std::fs::write(&path, ics).ok()?;
    let script = r#"
import sys, json, datetime
from icalendar import Calendar
cal = Calendar.from_ical(open(sys.argv[1], 'rb').read())
out = {"timezones": [], "events": []}
for c in cal.walk():
    if c.name == "VTIMEZONE":
        out["timezones"].append(str(c["TZID"]))
    if c.name == "VEVENT":
        s = c.decoded("DTSTART"); e = c.decoded("DTEND")
        assert s.tzinfo is not None and e.tzinfo is not None, "times must carry a zone"
        out["events"].append({
            "uid": str(c["UID"]), "summary": str(c["SUMMARY"]), "description": str(c["DESCRIPTION"]),
            "status": str(c.get("STATUS")), "tzid": c["DTSTART"].params.get("TZID"),
            "start": s.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": e.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        })
print(json.dumps(out))
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&path);
    Some(if out.status.success() {
        serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind an ephemeral port")
}

/// Undoes quoted-printable encoding (soft line breaks and `=XX`), as a mail client would.
pub fn decode_quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first word in `text` that starts with `prefix` (a link in a mail).
pub fn find_link(text: &str, prefix: &str) -> Option<String> {
    text.split_whitespace()
        .find(|w| w.starts_with(prefix))
        .map(str::to_string)
}
