//! Unwrapped data keys kept in memory for a short while, so that sealing and opening do
//! not each cost a database round trip and a KEK unwrap. Entries expire after a minute
//! (another server's key destruction is noticed within that time); this process forgets a
//! client's key the moment it destroys it. Keys are wiped from memory when dropped.

use rapport_core::UserId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

const TTL: Duration = Duration::from_secs(60);
const CAPACITY: usize = 10_000;

/// When a key was cached, and the key.
type Entry = (Instant, Zeroizing<[u8; 32]>);

#[derive(Default)]
pub(crate) struct KeyCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl KeyCache {
    pub(crate) fn get(&self, client: &UserId) -> Option<Zeroizing<[u8; 32]>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(client.as_str())
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, k)| k.clone())
    }

    pub(crate) fn put(&self, client: &UserId, key: &Zeroizing<[u8; 32]>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(client.to_string(), (Instant::now(), key.clone()));
    }

    pub(crate) fn forget(&self, client: &UserId) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(client.as_str());
    }
}
