//! A fresh database for one run (a SQLite file in a temp dir, or a new PostgreSQL database
//! made with `Store::create_database`), the server state over it, and their removal.

use crate::Which;
use anyhow::{Context, Result};
use rapport_server::platform::config::Config;
use rapport_server::platform::state::AppState;
use rapport_store::Store;
use rapport_vault::{KeyEncryptionKey, Vault};
use std::path::PathBuf;

/// Where the fresh database lives, to remove it afterwards.
pub enum Fresh {
    Dir(PathBuf),
    Postgres { server: String, name: String },
}

/// A migrated store on a fresh database.
pub async fn fresh_store(
    which: Which,
    postgres_url: Option<&str>,
    sqlite_dir: Option<PathBuf>,
) -> Result<(Store, Fresh)> {
    match which {
        Which::Sqlite => {
            let dir = sqlite_dir.unwrap_or_else(std::env::temp_dir).join(format!(
                "rapport-bench-schedule-{}",
                rapport_store::new_id()
            ));
            std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
            let url = format!("sqlite://{}", dir.join("rapport.db").display());
            match Store::open_with(&url, sqlite_durability()).await {
                Ok(store) => Ok((store, Fresh::Dir(dir))),
                Err(e) => {
                    remove(Fresh::Dir(dir)).await;
                    Err(e).context("open SQLite store")
                }
            }
        }
        Which::Postgres => {
            // As rapport_testkit::fresh_postgres does, but dropped afterwards.
            let server = postgres_url
                .filter(|s| !s.is_empty())
                .context("PostgreSQL needs --postgres-url or RAPPORT_TEST_POSTGRES_URL")?
                .to_string();
            let admin = Store::connect(&server)
                .await
                .context("connect to PostgreSQL")?;
            let name = format!(
                "bench_schedule_{}",
                rapport_store::new_id().replace('-', "")
            );
            let created = admin.create_database(&name).await;
            admin.close().await;
            created.with_context(|| format!("create database {name}"))?;
            let mut url = url::Url::parse(&server).context("PostgreSQL URL")?;
            url.set_path(&name);
            let fresh = Fresh::Postgres { server, name };
            match Store::open(url.as_str()).await {
                Ok(store) => Ok((store, fresh)),
                Err(e) => {
                    remove(fresh).await;
                    Err(e).context("open PostgreSQL store")
                }
            }
        }
    }
}

/// Removes the fresh database (call after closing every store on it).
pub async fn remove(fresh: Fresh) {
    match fresh {
        Fresh::Dir(dir) => {
            let _ = std::fs::remove_dir_all(dir);
        }
        Fresh::Postgres { server, name } => {
            let Ok(admin) = Store::connect(&server).await else {
                eprintln!("could not connect to drop {name}");
                return;
            };
            // `WITH (FORCE)`: the server can be slow to end the run's closed sessions when
            // the machine is busy, and `Store::drop_database` would then refuse.
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            if let Err(e) = admin.raw_execute(&sql, &[]).await {
                eprintln!("could not drop {name} (drop it by hand): {e}");
            }
            admin.close().await;
        }
    }
}

/// The server's state over `store`, as the server builds it (rules-only coach, a vault
/// with throw-away keys); the data dir is never written by scheduling.
pub fn app_state(store: &Store) -> Result<AppState> {
    let config = Config::new(
        url::Url::parse("http://localhost:8080").context("base URL")?,
        std::env::temp_dir().join("rapport-bench-schedule"),
    );
    let vault = Vault::new(
        KeyEncryptionKey::generate(),
        ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
    );
    Ok(AppState::new(store.clone(), config, vault))
}

/// SQLite's commit durability: `BENCH_SQLITE_SYNCHRONOUS=normal` measures what the
/// product's `--sqlite-synchronous normal` trades away; the default is the product's
/// default (FULL).
fn sqlite_durability() -> rapport_store::Durability {
    match std::env::var("BENCH_SQLITE_SYNCHRONOUS").as_deref() {
        Ok("normal") => rapport_store::Durability::Normal,
        _ => rapport_store::Durability::Full,
    }
}
