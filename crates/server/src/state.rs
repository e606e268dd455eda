//! The state shared by every handler: the store, the vault, the configuration, metrics
//! and the mail worker's wake-up signal. One `Arc`, so each middleware and handler clone is
//! a single reference-count increment.

use crate::config::Config;
use crate::ops::Metrics;
use rapport_store::Store;
use rapport_vault::Vault;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub store: Store,
    /// The only way to seal or open clinical content (and it logs every access).
    pub vault: Vault,
    pub config: Config,
    pub metrics: Metrics,
    /// Poked when mail is queued so the worker sends it without waiting for its next poll.
    pub mail_wakeup: Notify,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, config: Config, vault: Vault) -> Self {
        Self(Arc::new(Shared {
            store,
            vault,
            config,
            metrics: Metrics::default(),
            mail_wakeup: Notify::new(),
        }))
    }
}
