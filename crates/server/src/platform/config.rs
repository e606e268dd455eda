//! Runtime configuration of the server, filled from flags and environment by the CLI.

use std::path::PathBuf;
use std::time::Duration;

/// A crisis line shown in every page's footer.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct CrisisLine {
    /// Where it serves, e.g. "US".
    pub region: String,
    /// What to call or text, e.g. "Call or text 988".
    pub contact: String,
    /// Who answers, e.g. "988 Suicide & Crisis Lifeline".
    pub name: String,
}

/// Session lifetimes for one class of user.
#[derive(Debug, Clone, Copy)]
pub struct SessionTimeouts {
    pub idle: Duration,
    pub absolute: Duration,
}

#[derive(Clone)]
pub struct Config {
    /// The public URL people reach Rapport at; links in e-mails use it.
    pub base_url: url::Url,
    pub data_dir: PathBuf,
    /// `smtp://host:port` or `smtps://user:pass@host`; `None` writes `.eml` files instead.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub client_sessions: SessionTimeouts,
    pub clinician_sessions: SessionTimeouts,
    pub crisis_lines: Vec<CrisisLine>,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How often the mail worker looks for due mail.
    pub mail_poll: Duration,
    /// How often the head of the access log is signed if it moved (and witnessed).
    pub checkpoint_every: Duration,
    /// How often the other housekeeping runs (erasures due, reminders, statistics…).
    pub housekeeping_every: Duration,
    /// Files besides `DATA_DIR/audit/witness.jsonl` that every checkpoint is appended to
    /// (on another volume, say), so the access log can be proved whole.
    pub audit_witnesses: Vec<PathBuf>,
    /// Years clinical records are kept after a client asks to be erased.
    pub retention_years: u32,
    /// Days a personal API token works before it expires.
    pub api_token_days: u32,
    /// Take the client address from the last X-Forwarded-For hop (only behind a proxy
    /// that sets it); otherwise the TCP peer is the client.
    pub trust_proxy: bool,
    /// Minutes before a session at which reminders are e-mailed (default a day and an hour).
    pub reminders: Vec<u32>,
    /// How long a client may take to send a request's headers, and its body.
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    /// The token a scraper must send for `/metrics` on the main listener; without one,
    /// `/metrics` is only on `metrics_listen`.
    pub metrics_token: Option<String>,
    /// A separate address serving only `/metrics`, for a private network.
    pub metrics_listen: Option<std::net::SocketAddr>,
}

/// Everything but the secrets (the SMTP URL may hold a password; the metrics token is one).
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url.as_str())
            .field("data_dir", &self.data_dir)
            .field("smtp", &self.smtp_url.as_ref().map(|_| "[configured]"))
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "[redacted]"),
            )
            .field("metrics_listen", &self.metrics_listen)
            .field("trust_proxy", &self.trust_proxy)
            .finish_non_exhaustive()
    }
}

impl Config {
    pub fn new(base_url: url::Url, data_dir: PathBuf) -> Self {
        Self {
            base_url,
            data_dir,
            smtp_url: None,
            mail_from: "Rapport <no-reply@rapport.localhost>".into(),
            client_sessions: SessionTimeouts {
                idle: Duration::from_secs(30 * 60),
                absolute: Duration::from_secs(12 * 3600),
            },
            clinician_sessions: SessionTimeouts {
                idle: Duration::from_secs(15 * 60),
                absolute: Duration::from_secs(8 * 3600),
            },
            crisis_lines: default_crisis_lines(),
            body_limit: 64 * 1024,
            mail_poll: Duration::from_millis(500),
            checkpoint_every: Duration::from_secs(1),
            housekeeping_every: Duration::from_secs(60),
            audit_witnesses: Vec::new(),
            retention_years: 7,
            api_token_days: 90,
            trust_proxy: false,
            reminders: vec![24 * 60, 60],
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            metrics_token: None,
            metrics_listen: None,
        }
    }

    /// HSTS only makes sense, and is only sent, when the public URL is https.
    pub fn is_https(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// `scheme://host[:port]` of the base URL, for Origin checks.
    pub fn origin(&self) -> String {
        self.base_url.origin().ascii_serialization()
    }

    /// An absolute link to `path` (which starts with `/`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.origin(), path)
    }

    /// Where the key-encryption key and the audit signing key live (owner-only).
    pub fn key_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }

    /// Where checkpoints of the access log are witnessed, outside the database.
    pub fn witness(&self) -> rapport_vault::Witness {
        rapport_vault::Witness::new(&self.data_dir, &self.audit_witnesses)
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }
}

pub fn default_crisis_lines() -> Vec<CrisisLine> {
    vec![CrisisLine {
        region: "US".into(),
        contact: "Call or text 988".into(),
        name: "988 Suicide & Crisis Lifeline".into(),
    }]
}
