//! The state shared by every handler: the store, the configuration, metrics and the
//! mail worker's wake-up signal.

use crate::config::Config;
use crate::ops::Metrics;
use rapport_store::Store;
use rapport_vault::Vault;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The only way to seal or open clinical content (and it logs every access).
    pub vault: Vault,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// Poked when mail is queued so the worker sends it without waiting for its next poll.
    pub mail_wakeup: Arc<Notify>,
}

impl AppState {
    pub fn new(store: Store, config: Config, vault: Vault) -> Self {
        Self {
            store,
            vault,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            mail_wakeup: Arc::new(Notify::new()),
        }
    }
}
