//! Persistence for Rapport. The backend is chosen by URL: embedded SQLite (`sqlite:`)
//! by default, PostgreSQL for `postgres://`; both run the same SQL through sqlx's Any driver.

pub mod care;
pub mod consents;
pub mod directory;
pub mod emergency;
pub mod erasure;
pub mod outbox;
#[cfg(feature = "testing")]
pub mod raw;
pub mod schedule;
pub mod secrets;
pub mod security;
pub mod sessions;
pub mod tokens;
pub mod tx;
pub mod uploads;
pub mod users;
pub mod vault;

pub use tx::{Conn, Tx};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

pub use rapport_core as core;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Picks the backend from a URL scheme, refusing anything else with a clear message.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::UnsupportedUrl(scheme.to_string())),
        }
    }

    pub fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL scheme {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// A unique or foreign-key rule refused the write; the name says which.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Maps a unique-index violation to [`StoreError::Conflict`] named `what`.
    pub(crate) fn unique(e: sqlx::Error, what: &'static str) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
            _ => StoreError::Database(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

/// How hard SQLite works to keep a committed write (PostgreSQL keeps its own settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous = FULL`: the write-ahead log is synced at every commit, so an
    /// acknowledged write survives a power loss or an operating-system crash.
    #[default]
    Full,
    /// `synchronous = NORMAL`: synced only at checkpoints. Faster; an acknowledged write
    /// survives the process crashing, but not the machine losing power.
    Normal,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        }
    }
}

impl Store {
    /// Connects without migrating, durable by default ([`Durability::Full`]).
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, Durability::default()).await
    }

    /// Connects without migrating. SQLite files are created if missing, in WAL mode,
    /// with foreign keys on, a busy timeout so that concurrent writers wait, not fail, and
    /// `secure_delete` on, so deleted or overwritten personal data is zeroed in the file
    /// instead of lingering in free space (erasure means erasure).
    pub async fn connect_with(url: &str, durability: Durability) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let max = match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            // A ping before every checkout doubles the round trips of a one-query request;
            // broken connections surface as errors on use and are replaced then.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            format!(
                                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA busy_timeout = 5000; PRAGMA synchronous = {}; \
                                 PRAGMA secure_delete = ON;",
                                durability.pragma()
                            )
                            .as_str(),
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self { pool, backend })
    }

    /// Connects (durably) and applies any pending migrations.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with(url, Durability::default()).await
    }

    /// Connects and applies any pending migrations.
    pub async fn open_with(url: &str, durability: Durability) -> Result<Self> {
        let store = Self::connect_with(url, durability).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<()> {
        self.backend.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// True when every embedded migration has been applied (for `/readyz`).
    pub async fn migrations_current(&self) -> Result<bool> {
        let applied: Vec<(i64,)> = sqlx::query_as(
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await
        .or_else(|e| match &e {
            sqlx::Error::Database(_) => Ok(Vec::new()),
            _ => Err(e),
        })?;
        let applied: Vec<i64> = applied.into_iter().map(|(v,)| v).collect();
        let wanted: Vec<i64> = self.backend.migrator().iter().map(|m| m.version).collect();
        Ok(applied == wanted)
    }

    /// Keeps the query planner's statistics fresh. On SQLite this is `PRAGMA optimize`,
    /// which analyses only tables whose contents changed enough (cheap otherwise); the
    /// server runs it in its housekeeping. PostgreSQL's autovacuum does this by itself.
    pub async fn optimize(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA optimize=0x10002")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// A trivial round trip, for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// A transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a transaction that reads first and writes later can otherwise
    /// fail with "database is locked" when another writer got there in between, because
    /// upgrading a read lock cannot wait. PostgreSQL locks rows as it goes.
    pub async fn begin_write(&self) -> Result<Tx> {
        let inner = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx::new(inner, self.clone()))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The database's size in bytes (SQLite: pages × page size; PostgreSQL: as the
    /// server reports it), for progress bars.
    pub async fn size_bytes(&self) -> Result<i64> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let (pages, size): (i64, i64) = sqlx::query_as(
                    "SELECT page_count, page_size FROM pragma_page_count(), pragma_page_size()",
                )
                .fetch_one(&self.pool)
                .await?;
                pages * size
            }
            Backend::Postgres => {
                let (size,): (i64,) = sqlx::query_as("SELECT pg_database_size(current_database())")
                    .fetch_one(&self.pool)
                    .await?;
                size
            }
        })
    }

    /// Writes a consistent copy of an SQLite database to `path` while others keep using
    /// it (`VACUUM INTO`). Not available on PostgreSQL (use `pg_dump`).
    pub async fn sqlite_snapshot(&self, path: &std::path::Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::UnsupportedUrl("postgres".into()));
        }
        let target = path.to_string_lossy().replace('\'', "''");
        sqlx::query(&format!("VACUUM INTO '{target}'"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Other sessions connected to this PostgreSQL database (a running server, say); 0 on
    /// SQLite, where a lock file tells instead.
    pub async fn other_sessions(&self) -> Result<i64> {
        if self.backend != Backend::Postgres {
            return Ok(0);
        }
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// SQLite's own consistency check: `"ok"`, or what is damaged.
    pub async fn integrity_check(&self) -> Result<String> {
        if self.backend != Backend::Sqlite {
            return Ok("ok".into());
        }
        let (integrity,): (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(&self.pool)
            .await?;
        Ok(integrity)
    }

    /// Creates a PostgreSQL database on this server (for `rapport restore`'s scratch
    /// check and for tests). `name` must be lowercase letters, digits and underscores.
    pub async fn create_database(&self, name: &str) -> Result<()> {
        let name = database_name(name)?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Drops a PostgreSQL database on this server if it exists.
    pub async fn drop_database(&self, name: &str) -> Result<()> {
        let name = database_name(name)?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A database name safe to splice into `CREATE DATABASE` (identifiers cannot be bound).
fn database_name(name: &str) -> Result<&str> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(StoreError::Conflict("database name"))
    }
}

/// A new random id (UUID v4 as text).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// SHA-256 of a secret token, hex-encoded: the only form in which tokens are stored.
pub fn token_hash(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The current instant in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_schemes() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgres://u@h/d").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/d").unwrap(),
            Backend::Postgres
        );
        let err = Backend::from_url("mysql://u@h/d").unwrap_err().to_string();
        assert!(
            err.contains("\"mysql\"") && err.contains("sqlite://"),
            "{err}"
        );
    }

    #[test]
    fn both_backends_have_the_same_migration_versions() {
        let names = |m: &Migrator| -> Vec<(i64, String)> {
            m.iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect()
        };
        let sqlite = names(&SQLITE_MIGRATIONS);
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, names(&POSTGRES_MIGRATIONS));
    }
}
