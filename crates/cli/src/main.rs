//! `rapport`: the one binary. `serve` runs the server (with `--demo` data if asked),
//! `migrate` applies database migrations, `admin create-user` bootstraps accounts.

mod audit;
mod backup;
mod coach;
mod keys;
mod logging;
mod restore;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use rapport_core::{DisplayName, Email, NewPassword, Pronouns, Role, TimeZoneName};
use rapport_server::platform::config::{Config, CrisisLine, SessionTimeouts};
use rapport_store::users::NewUser;
use rapport_store::Store;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Parser)]
#[command(name = "rapport", version, about = "Rapport: an open platform for online therapy, built on trust.", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (applies pending migrations first).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Operator tasks on accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The tamper-evident log of access to clinical content.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The operator's encryption keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Write a consistent snapshot of the database while the server runs (keys are not
    /// included: back up DATA_DIR/keys separately).
    Backup(BackupArgs),
    /// Check a backup (integrity, migrations, the access log's chain and signatures) and,
    /// only if it passes, replace the database with it. Stop the server first.
    Restore(RestoreArgs),
    /// Train and evaluate the empathy coach's learned model.
    #[command(subcommand)]
    Coach(coach::CoachCommand),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Re-wrap every client's data key under a new key-encryption key, with a progress
    /// bar. Safe while servers run; safe to interrupt and run again.
    Rotate(DbArgs),
    /// Show each key file and how many clients' data keys it wraps; exits with status 1
    /// if data keys are wrapped by a key that is missing.
    Status(DbArgs),
}

#[derive(Args)]
struct BackupArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The file to write (must not exist).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct RestoreArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The backup file to restore from.
    #[arg(long)]
    from: PathBuf,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Re-check every access event's hash chain and every signed checkpoint; report the
    /// first bad event. Exits with status 1 if the log was tampered with.
    Verify(DbArgs),
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB. Default: rapport.db in the data directory.
    #[arg(long, env = "RAPPORT_DATABASE_URL")]
    database_url: Option<String>,
    /// Directory for the SQLite database, mail files and other local state (created if missing).
    #[arg(long, env = "RAPPORT_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// SQLite only: `full` syncs the log at every commit, so an acknowledged write survives
    /// a power loss; `normal` is faster but only survives the process crashing.
    #[arg(long, env = "RAPPORT_SQLITE_SYNCHRONOUS", default_value = "full", value_parser = ["full", "normal"])]
    sqlite_synchronous: String,
}

impl DbArgs {
    fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("rapport.db").display()))
    }
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address and port to listen on.
    #[arg(long, env = "RAPPORT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Public URL of this server, used in e-mail links and origin checks. Default: http://LISTEN.
    #[arg(long, env = "RAPPORT_BASE_URL")]
    base_url: Option<url::Url>,
    /// SMTP server for outgoing mail, e.g. smtp://localhost:25 or smtps://user:pass@mail.example.org.
    /// Without it, mails are written as .eml files under DATA_DIR/mail.
    #[arg(long, env = "RAPPORT_SMTP_URL")]
    smtp_url: Option<String>,
    /// Sender of outgoing mail.
    #[arg(
        long,
        env = "RAPPORT_MAIL_FROM",
        default_value = "Rapport <no-reply@rapport.localhost>"
    )]
    mail_from: String,
    /// Create demo accounts (an admin, 12 therapists, 5 clients) if missing, and print their logins.
    #[arg(long, env = "RAPPORT_DEMO")]
    demo: bool,
    /// Minutes of inactivity after which a client's session ends.
    #[arg(long, env = "RAPPORT_CLIENT_IDLE_MINUTES", default_value_t = 30)]
    client_idle_minutes: u64,
    /// Hours after which a client's session ends regardless of activity.
    #[arg(long, env = "RAPPORT_CLIENT_MAX_HOURS", default_value_t = 12)]
    client_max_hours: u64,
    /// Minutes of inactivity after which a therapist's or admin's session ends.
    #[arg(long, env = "RAPPORT_CLINICIAN_IDLE_MINUTES", default_value_t = 15)]
    clinician_idle_minutes: u64,
    /// Hours after which a therapist's or admin's session ends regardless of activity.
    #[arg(long, env = "RAPPORT_CLINICIAN_MAX_HOURS", default_value_t = 8)]
    clinician_max_hours: u64,
    /// JSON file listing the crisis lines for the page footer: [{"region","contact","name"}].
    /// Default: the US 988 Suicide & Crisis Lifeline.
    #[arg(long, env = "RAPPORT_CRISIS_LINES")]
    crisis_lines: Option<PathBuf>,
    /// A trained empathy-coach model file (`rapport coach train`). Without one the coach
    /// runs its rules only. The model's training data is licensed for non-commercial
    /// research only; see the README.
    #[arg(long, env = "RAPPORT_COACH_MODEL")]
    coach_model: Option<PathBuf>,
    /// Behind a reverse proxy (TLS termination), take each client's address from the last
    /// X-Forwarded-For hop, for login throttling and security events. Only set this when a
    /// proxy you run sets that header; otherwise clients could choose their own address.
    #[arg(long, env = "RAPPORT_TRUST_PROXY")]
    trust_proxy: bool,
    /// Years a client's clinical records are kept after they ask to be erased (the law
    /// where you practise decides; 7 is common). Their key is destroyed afterwards.
    #[arg(long, env = "RAPPORT_RETENTION_YEARS", default_value_t = 7)]
    retention_years: u32,
    /// Days a personal API token works before it expires (1 to 365). Tokens also end
    /// when their owner changes password or turns two-step verification on or off.
    #[arg(long, env = "RAPPORT_API_TOKEN_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(1..=365))]
    api_token_days: u32,
    /// When session reminders are e-mailed, as a comma-separated list of times before the
    /// start: minutes (`90m`), hours (`24h`) or days (`2d`).
    #[arg(long, env = "RAPPORT_REMINDERS", default_value = "24h,1h", value_parser = parse_reminders)]
    reminders: Reminders,
    /// A file holding the token a metrics scraper must send (`Authorization: Bearer …`)
    /// to read `/metrics` on the main address. Without it (or RAPPORT_METRICS_TOKEN),
    /// `/metrics` is not served there at all.
    #[arg(long, env = "RAPPORT_METRICS_TOKEN_FILE")]
    metrics_token_file: Option<PathBuf>,
    /// A separate address (on a private network) that serves `/metrics` without a token.
    #[arg(long, env = "RAPPORT_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// More files to append every access-log checkpoint to, besides
    /// DATA_DIR/audit/witness.jsonl — ideally on another volume or machine, so that
    /// `rapport audit verify` can prove the log was not cut short (comma-separated).
    #[arg(long, env = "RAPPORT_AUDIT_WITNESS", value_delimiter = ',')]
    audit_witness: Vec<PathBuf>,
    /// Log format: json (structured, one object per line) or text.
    #[arg(long, env = "RAPPORT_LOG_FORMAT", default_value = "json")]
    log_format: logging::Format,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account (typically the first admin). Prints a generated password unless
    /// --password-stdin is given.
    CreateUser(CreateUserArgs),
}

#[derive(Args)]
struct CreateUserArgs {
    #[command(flatten)]
    db: DbArgs,
    /// E-mail address (also the login).
    #[arg(long)]
    email: String,
    /// The name shown to others.
    #[arg(long)]
    name: String,
    /// client, therapist or admin.
    #[arg(long, default_value = "admin")]
    role: String,
    /// Optional pronouns, e.g. they/them.
    #[arg(long)]
    pronouns: Option<String>,
    /// IANA time zone, e.g. America/Chicago.
    #[arg(long, default_value = "UTC")]
    time_zone: String,
    /// Read the password from the first line of standard input instead of generating one.
    #[arg(long)]
    password_stdin: bool,
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(*args).await,
        Command::Migrate(db) => {
            logging::init(logging::Format::Text);
            let store = open_store(&db).await?;
            println!("Migrations are current on {}.", store.backend().name());
            Ok(())
        }
        Command::Admin(AdminCommand::CreateUser(args)) => create_user(args).await,
        Command::Coach(cmd) => coach::run(cmd),
        Command::Keys(KeysCommand::Status(db)) => {
            logging::init(logging::Format::Text);
            let store = open_store(&db).await?;
            if !keys::status(
                &store,
                &rapport_vault::KeyFiles::new(db.data_dir.join("keys")),
            )
            .await?
            {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Keys(KeysCommand::Rotate(db)) => {
            logging::init(logging::Format::Text);
            let store = open_store(&db).await?;
            keys::rotate(
                &store,
                &rapport_vault::KeyFiles::new(db.data_dir.join("keys")),
            )
            .await
        }
        Command::Backup(args) => {
            logging::init(logging::Format::Text);
            let store = open_store(&args.db).await?;
            backup::backup(&store, &args.db.url(), &args.out).await
        }
        Command::Restore(args) => {
            logging::init(logging::Format::Text);
            restore::restore(&args.db.url(), &args.db.data_dir, &args.from).await
        }
        Command::Audit(AuditCommand::Verify(db)) => {
            logging::init(logging::Format::Text);
            let store = open_store(&db).await?;
            let keys = rapport_vault::KeyFiles::new(db.data_dir.join("keys"));
            let witness = rapport_vault::Witness::new(&db.data_dir, &witnesses_from_env());
            if !audit::verify(&store, &keys, &witness).await? {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}

fn prepare_data_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating data directory {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting permissions of {}", dir.display()))?;
    }
    Ok(())
}

async fn open_store(db: &DbArgs) -> Result<Store> {
    prepare_data_dir(&db.data_dir)?;
    let url = db.url();
    let durability = match db.sqlite_synchronous.as_str() {
        "normal" => rapport_store::Durability::Normal,
        _ => rapport_store::Durability::Full,
    };
    Store::open_with(&url, durability)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("opening the database")
}

/// Reminder times in minutes before a session.
#[derive(Debug, Clone)]
struct Reminders(Vec<u32>);

fn parse_reminders(raw: &str) -> Result<Reminders, String> {
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (n, unit) = part.split_at(part.len() - 1);
        let n: u32 = n
            .parse()
            .map_err(|_| format!("{part:?}: use a number and a unit, like 24h, 90m or 2d"))?;
        let minutes = match unit {
            "m" => n,
            "h" => n.saturating_mul(60),
            "d" => n.saturating_mul(24 * 60),
            _ => return Err(format!("{part:?}: the unit is m, h or d")),
        };
        if minutes == 0 || minutes > 14 * 24 * 60 {
            return Err(format!(
                "{part:?}: reminders go between 1 minute and 14 days before"
            ));
        }
        out.push(minutes);
    }
    Ok(Reminders(out))
}

/// The lock a running server holds on its data directory (`DATA_DIR/rapport.lock`), so
/// that `rapport restore` cannot replace data a server is using, and two servers do not
/// share one SQLite database. The operating system releases it when the process ends,
/// however it ends.
pub(crate) fn lock_data_dir(dir: &Path) -> Result<std::fs::File> {
    prepare_data_dir(dir)?;
    let path = dir.join("rapport.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "a Rapport server is using {} (it holds {}); stop it first",
            dir.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

async fn serve(args: ServeArgs) -> Result<()> {
    logging::init(args.log_format);
    let _lock = lock_data_dir(&args.db.data_dir)?;
    let store = open_store(&args.db).await?;
    let base_url = match args.base_url.clone() {
        Some(u) => u,
        None => url::Url::parse(&format!("http://{}", args.listen))?,
    };
    let mut config = Config::new(base_url.clone(), args.db.data_dir.clone());
    config.smtp_url = args.smtp_url.clone();
    config.retention_years = args.retention_years;
    config.api_token_days = args.api_token_days;
    config.trust_proxy = args.trust_proxy;
    config.reminders = args.reminders.0.clone();
    config.mail_from = args.mail_from.clone();
    config.metrics_listen = args.metrics_listen;
    config.audit_witnesses = args.audit_witness.clone();
    config.metrics_token = match (
        &args.metrics_token_file,
        std::env::var("RAPPORT_METRICS_TOKEN"),
    ) {
        (Some(path), _) => {
            let token = std::fs::read_to_string(path)
                .with_context(|| format!("reading the metrics token from {}", path.display()))?;
            Some(token.trim().to_string()).filter(|t| !t.is_empty())
        }
        (None, Ok(token)) if !token.trim().is_empty() => Some(token.trim().to_string()),
        _ => None,
    };
    config.client_sessions = SessionTimeouts {
        idle: Duration::from_secs(args.client_idle_minutes * 60),
        absolute: Duration::from_secs(args.client_max_hours * 3600),
    };
    config.clinician_sessions = SessionTimeouts {
        idle: Duration::from_secs(args.clinician_idle_minutes * 60),
        absolute: Duration::from_secs(args.clinician_max_hours * 3600),
    };
    if let Some(path) = &args.crisis_lines {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading crisis lines from {}", path.display()))?;
        let lines: Vec<CrisisLine> = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} must be a JSON list of {{region, contact, name}}",
                path.display()
            )
        })?;
        if lines.is_empty() {
            bail!(
                "{} lists no crisis lines; every page must show at least one",
                path.display()
            );
        }
        config.crisis_lines = lines;
    }
    let key_files = rapport_vault::KeyFiles::new(config.key_dir());
    let vault =
        rapport_vault::Vault::from_files(&key_files).context("loading the encryption keys")?;
    rapport_vault::check::bind_instance(&store, &key_files)
        .await
        .context("pairing the database with its keys")?;
    let demo = if args.demo {
        Some(rapport_cli::demo::seed(&store, &vault).await?)
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let coach = rapport_coach::Coach::load(args.coach_model.as_deref())
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("loading the coach model")?;
    let state = rapport_server::AppState::with_coach(store, config, vault, coach);
    println!("Rapport is running at {base_url}");
    println!(
        "Database: {} ({})",
        state.store.backend().name(),
        redact_url(&args.db.url())
    );
    match &args.smtp_url {
        Some(_) => println!("Mail: sent over SMTP."),
        None => println!(
            "Mail: no SMTP server configured; e-mails are written to {}",
            args.db.data_dir.join("mail").display()
        ),
    }
    if let Some(logins) = demo {
        println!(
            "\nDemo logins (every demo account's password is: {})",
            rapport_cli::demo::DEMO_PASSWORD
        );
        for l in &logins {
            println!("  {:<10} {:<42} {}", l.role.as_str(), l.email, l.name);
        }
        println!("Therapists and the admin are asked to set up two-step verification at their first login.");
    }
    println!();
    rapport_server::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// The extra witness files named in RAPPORT_AUDIT_WITNESS (for `audit verify`, which has
/// no serve flags).
fn witnesses_from_env() -> Vec<PathBuf> {
    std::env::var("RAPPORT_AUDIT_WITNESS")
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Hides a password in a database URL before printing it.
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

async fn create_user(args: CreateUserArgs) -> Result<()> {
    logging::init(logging::Format::Text);
    let email = Email::parse(&args.email)?;
    let name = DisplayName::parse(&args.name)?;
    let pronouns = Pronouns::parse(args.pronouns.as_deref())?;
    let tz = TimeZoneName::parse(&args.time_zone)?;
    let role: Role = args.role.parse()?;
    let (password, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (
            rapport_server::platform::auth::secrets::random_token(),
            true,
        )
    };
    let password = NewPassword::parse(&password, &[email.as_str(), name.as_str()])?;
    let store = open_store(&args.db).await?;
    let hash =
        rapport_server::platform::auth::password::hash(password.expose().to_string()).await?;
    let user = store
        .create_user(NewUser {
            email: &email,
            password_hash: hash,
            display_name: &name,
            pronouns: &pronouns,
            time_zone: &tz,
            role,
            email_verified: true,
        })
        .await
        .map_err(|e| match e {
            rapport_store::StoreError::Conflict(_) => {
                anyhow::anyhow!("an account with that e-mail already exists")
            }
            other => other.into(),
        })?;
    println!(
        "Created {} {} ({}).",
        role.as_str(),
        user.display_name,
        email.as_str()
    );
    if generated {
        println!(
            "Password (shown once; change it after logging in): {}",
            password.expose()
        );
    }
    if role.requires_mfa() {
        println!("They will be asked to set up two-step verification at first login.");
    }
    Ok(())
}
