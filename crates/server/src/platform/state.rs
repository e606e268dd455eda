//! The state shared by every handler: the store, the vault, the configuration, metrics,
//! the mail worker's wake-up signal and the navigation the features offer. One `Arc`, so
//! each middleware and handler clone is a single reference-count increment.

use crate::platform::config::Config;
use crate::platform::metrics::Metrics;
use crate::platform::nav::NavItem;
use rapport_store::Store;
use rapport_vault::Vault;
use std::sync::{Arc, OnceLock};
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
    /// The navigation links the features offer, set once when the app is built.
    nav: OnceLock<Vec<NavItem>>,
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
            nav: OnceLock::new(),
        }))
    }

    /// The navigation links, in order (empty until the app is built).
    pub fn nav(&self) -> &[NavItem] {
        self.0.nav.get().map(Vec::as_slice).unwrap_or(&[])
    }

    /// Sets the navigation links (the first call wins: every app built from this state
    /// composes the same features).
    pub fn set_nav(&self, mut items: Vec<NavItem>) {
        items.sort_by_key(|i| i.order);
        let _ = self.0.nav.set(items);
    }
}
