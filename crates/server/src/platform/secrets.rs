//! The platform's own secrets at rest — TOTP seeds, typed consent names, break-glass
//! reasons, queued mail bodies — sealed under the operator's data key by the vault (see
//! `rapport_vault::secrets`). A secret that does not open is the operator's problem (a
//! missing or wrong key), never the user's, so failures are internal errors.

use crate::platform::error::{AppError, AppResult};
use crate::platform::state::AppState;
use rapport_vault::{SecretAt, Zeroizing};

impl AppState {
    /// Seals `text` to be stored at `at` by a later statement.
    pub async fn seal_secret(&self, at: SecretAt<'_>, text: &str) -> AppResult<Vec<u8>> {
        self.vault
            .seal_secret_now(&self.store, at, text)
            .await
            .map_err(|e| AppError::Internal(e.into()))
    }

    /// Seals `text` inside `tx`, the transaction that stores it.
    pub async fn seal_secret_in(
        &self,
        tx: &mut rapport_store::Tx,
        at: SecretAt<'_>,
        text: &str,
    ) -> AppResult<Vec<u8>> {
        self.vault
            .seal_secret(tx, at, text)
            .await
            .map_err(|e| AppError::Internal(e.into()))
    }

    /// Opens a secret stored at `at`.
    pub async fn open_secret(
        &self,
        at: SecretAt<'_>,
        sealed: &[u8],
    ) -> AppResult<Zeroizing<String>> {
        self.vault
            .open_secret_now(&self.store, at, sealed)
            .await
            .map_err(|e| AppError::Internal(e.into()))
    }
}
