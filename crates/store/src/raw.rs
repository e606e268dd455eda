//! Raw SQL for tests that must tamper with or inspect the database the way an attacker
//! or an operator with a SQL prompt could (edit an access event, age an erasure request,
//! count rows). Only compiled with the `testing` feature, which only test builds enable;
//! the product reaches the database through `Store` methods alone.

use crate::{Result, Store};
use sqlx::Row;

/// A value bound to a raw statement.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Int(i64),
    Bytes(Vec<u8>),
    Null,
}

impl From<&str> for Bind {
    fn from(s: &str) -> Self {
        Bind::Text(s.to_string())
    }
}
impl From<String> for Bind {
    fn from(s: String) -> Self {
        Bind::Text(s)
    }
}
impl From<i64> for Bind {
    fn from(v: i64) -> Self {
        Bind::Int(v)
    }
}
impl From<Vec<u8>> for Bind {
    fn from(v: Vec<u8>) -> Self {
        Bind::Bytes(v)
    }
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.as_str()),
            Bind::Int(v) => q.bind(*v),
            Bind::Bytes(v) => q.bind(v.as_slice()),
            Bind::Null => q.bind(None::<String>),
        };
    }
    q
}

impl Store {
    /// Runs a statement; returns the number of rows it changed.
    pub async fn raw_execute(&self, sql: &str, binds: &[Bind]) -> Result<u64> {
        Ok(bind_all(sqlx::query(sql), binds)
            .execute(self.pool())
            .await?
            .rows_affected())
    }

    /// The first column of the first row, as an integer.
    pub async fn raw_i64(&self, sql: &str, binds: &[Bind]) -> Result<i64> {
        let row = bind_all(sqlx::query(sql), binds)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    /// Every row's columns as optional text (integers are shown as decimals, bytes as hex).
    pub async fn raw_rows(&self, sql: &str, binds: &[Bind]) -> Result<Vec<Vec<Option<String>>>> {
        let rows = bind_all(sqlx::query(sql), binds)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                            return v;
                        }
                        if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                            return v.map(|v| v.to_string());
                        }
                        if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(i) {
                            return v.map(|b| b.iter().map(|x| format!("{x:02x}")).collect());
                        }
                        None
                    })
                    .collect()
            })
            .collect())
    }

    /// The first column of the first row, as bytes.
    pub async fn raw_bytes(&self, sql: &str, binds: &[Bind]) -> Result<Option<Vec<u8>>> {
        let row = bind_all(sqlx::query(sql), binds)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get::<Option<Vec<u8>>, _>(0)?)
    }
}
