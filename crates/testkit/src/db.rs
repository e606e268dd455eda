//! Fresh databases for tests: a new SQLite file, or a new PostgreSQL database created on
//! the server named by `RAPPORT_TEST_POSTGRES_URL`; and `store_test!`, which runs a test
//! body on both.

use rapport_store::{Backend, Store};

/// Environment variable naming a PostgreSQL server for tests (any database on it).
pub const POSTGRES_URL_VAR: &str = "RAPPORT_TEST_POSTGRES_URL";
/// Set to `postgres` to run the server-level suites on PostgreSQL instead of SQLite.
pub const BACKEND_VAR: &str = "RAPPORT_TEST_BACKEND";

/// A migrated store on a new, empty SQLite file in the temp directory.
pub async fn fresh_sqlite() -> Store {
    let dir = std::env::temp_dir().join(format!("rapport-test-{}", rapport_store::new_id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let url = format!("sqlite://{}", dir.join("rapport.db").display());
    Store::open(&url).await.expect("open sqlite test store")
}

/// A migrated store on a new PostgreSQL database, or `None` when no server is configured.
pub async fn fresh_postgres() -> Option<Store> {
    fresh_postgres_with_url().await.map(|(store, _)| store)
}

/// As [`fresh_postgres`], with the new database's URL (for tools such as `pg_dump`).
pub async fn fresh_postgres_with_url() -> Option<(Store, String)> {
    let base = std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|s| !s.is_empty())?;
    let admin = Store::connect(&base)
        .await
        .expect("connect to test postgres");
    let name = format!("rapport_t_{}", rapport_store::new_id().replace('-', ""));
    admin
        .create_database(&name)
        .await
        .expect("create test database");
    admin.close().await;
    let mut url = url::Url::parse(&base).expect("RAPPORT_TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    let store = Store::open(url.as_str())
        .await
        .expect("open postgres test store");
    Some((store, url.to_string()))
}

/// The backend the server-level suites should use (`RAPPORT_TEST_BACKEND=postgres`).
pub fn suite_backend() -> Backend {
    match std::env::var(BACKEND_VAR).as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// A fresh store on the suite's backend; panics with a clear message if PostgreSQL was
/// asked for but not configured.
pub async fn fresh_store() -> Store {
    match suite_backend() {
        Backend::Sqlite => fresh_sqlite().await,
        Backend::Postgres => fresh_postgres().await.unwrap_or_else(|| {
            panic!("{BACKEND_VAR}=postgres needs {POSTGRES_URL_VAR} to name a PostgreSQL server")
        }),
    }
}

/// Declares a store test that runs on SQLite always and on PostgreSQL when configured
/// (reported as ignored, with the reason, when `RAPPORT_TEST_POSTGRES_URL` was unset at
/// build time; the crate's build script is `crates/testkit/pg-cfg.rs`).
#[macro_export]
macro_rules! store_test {
    ($name:ident, |$store:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($store: rapport_store::Store) $body

            #[tokio::test]
            async fn sqlite() {
                run($crate::fresh_sqlite().await).await;
            }

            #[tokio::test]
            #[cfg_attr(not(rapport_pg), ignore = "PostgreSQL skipped: RAPPORT_TEST_POSTGRES_URL is unset")]
            async fn postgres() {
                let store = $crate::fresh_postgres()
                    .await
                    .expect("RAPPORT_TEST_POSTGRES_URL is set at build time but not at run time");
                run(store).await;
            }
        }
    };
}
