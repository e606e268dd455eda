//! A real SMTP server for tests (Python's aiosmtpd, writing a Maildir), and reading the
//! mails it received as a mail client would.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running aiosmtpd that stores every message it receives in a Maildir.
pub struct SmtpSink {
    pub port: u16,
    pub maildir: PathBuf,
    child: Child,
}

impl SmtpSink {
    /// Starts the sink, or returns `None` when Python's aiosmtpd is not installed (a
    /// failure under CI; see [`crate::unavailable`]).
    pub fn start() -> Option<SmtpSink> {
        if !crate::python_has("aiosmtpd") {
            crate::unavailable(
                "Python's aiosmtpd (a real SMTP server)",
                "pip install aiosmtpd",
            );
            return None;
        }
        let port = crate::free_port();
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
