//! Write transactions. A [`Tx`] dereferences to the connection that store functions take,
//! and can carry security events that must be recorded whether or not the transaction
//! commits (a refused access is recorded even though the work it was part of is undone).

use crate::{Result, Store};
use rapport_core::UserId;
use std::ops::{Deref, DerefMut};

/// A database connection inside a transaction, as store functions take it.
pub type Conn = sqlx::AnyConnection;

/// A security event kept aside until the transaction ends.
#[derive(Debug, Clone)]
struct Deferred {
    user: Option<UserId>,
    kind: String,
    request_id: Option<String>,
}

/// A write transaction (see [`Store::begin_write`]).
pub struct Tx {
    inner: Option<sqlx::Transaction<'static, sqlx::Any>>,
    store: Store,
    deferred: Vec<Deferred>,
}

impl Tx {
    pub(crate) fn new(inner: sqlx::Transaction<'static, sqlx::Any>, store: Store) -> Self {
        Self {
            inner: Some(inner),
            store,
            deferred: Vec::new(),
        }
    }

    /// Commits, then records the deferred security events.
    pub async fn commit(mut self) -> Result<()> {
        if let Some(inner) = self.inner.take() {
            inner.commit().await?;
        }
        let deferred = std::mem::take(&mut self.deferred);
        record_all(&self.store, deferred).await;
        Ok(())
    }

    /// Rolls back, then records the deferred security events.
    pub async fn rollback(mut self) -> Result<()> {
        if let Some(inner) = self.inner.take() {
            inner.rollback().await?;
        }
        let deferred = std::mem::take(&mut self.deferred);
        record_all(&self.store, deferred).await;
        Ok(())
    }

    /// Records a security event once this transaction ends, committed or not: written on
    /// another connection afterwards, so a rollback cannot erase it.
    pub fn record_regardless(
        &mut self,
        user: Option<&UserId>,
        kind: &str,
        request_id: Option<&str>,
    ) {
        self.deferred.push(Deferred {
            user: user.cloned(),
            kind: kind.to_string(),
            request_id: request_id.map(str::to_string),
        });
    }
}

async fn record_all(store: &Store, events: Vec<Deferred>) {
    for e in events {
        if let Err(err) = store
            .record_security_event(e.user.as_ref(), &e.kind, None, e.request_id.as_deref())
            .await
        {
            tracing::error!(error = %err, kind = %e.kind, "could not record a security event");
        }
    }
}

impl Drop for Tx {
    /// Dropped without commit: the transaction rolls back (sqlx does that when the
    /// connection returns to the pool) and the deferred events are written by a task.
    fn drop(&mut self) {
        if self.deferred.is_empty() {
            return;
        }
        let events = std::mem::take(&mut self.deferred);
        let store = self.store.clone();
        let inner = self.inner.take();
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move {
                    if let Some(tx) = inner {
                        let _ = tx.rollback().await;
                    }
                    record_all(&store, events).await;
                });
            }
            Err(_) => {
                tracing::error!("security events lost: a transaction ended outside a runtime")
            }
        }
    }
}

impl Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.inner.as_ref().expect("a live transaction")
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        self.inner.as_mut().expect("a live transaction")
    }
}
