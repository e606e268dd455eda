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
    /// The empathy coach for therapists' drafts (rules, plus the model if configured).
    pub coach: rapport_coach::Coach,
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
    /// A state whose coach runs its rules only.
    pub fn new(store: Store, config: Config, vault: Vault) -> Self {
        Self::with_coach(store, config, vault, rapport_coach::Coach::rules_only())
    }

    pub fn with_coach(
        store: Store,
        config: Config,
        vault: Vault,
        coach: rapport_coach::Coach,
    ) -> Self {
        Self(Arc::new(Shared {
            store,
            vault,
            coach,
            config,
            metrics: Metrics::default(),
            mail_wakeup: Notify::new(),
        }))
    }
}
