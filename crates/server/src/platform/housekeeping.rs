//! Background work. The access log's head is signed, and the checkpoint witnessed outside
//! the database, at start-up, within about a second of new events, and once more at
//! shutdown. Every minute the platform refreshes query statistics and prunes the sign-in
//! ledger, and the features' jobs run (erasures that fell due, reminders, settling
//! sessions…), handed over through `lib.rs`.

use crate::platform::access::BoxFuture;
use crate::platform::error::AppResult;
use crate::platform::state::AppState;
use tokio::sync::watch::Receiver;

/// One piece of background work a feature asks for.
#[derive(Clone, Copy)]
pub struct Job {
    pub name: &'static str,
    pub run: for<'a> fn(&'a AppState) -> BoxFuture<'a, AppResult<()>>,
}

async fn sign(state: &AppState, witness: &rapport_vault::Witness) {
    match state.vault.checkpoint(&state.store, witness).await {
        Ok(Some(seq)) => tracing::debug!(seq, "signed and witnessed an access-log checkpoint"),
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "could not sign an access-log checkpoint"),
    }
}

/// Signs the access log's head whenever it moved: at start, every `checkpoint_every`,
/// and at shutdown.
pub async fn checkpoints(state: AppState, mut shutdown: Receiver<bool>) {
    let witness = state.config.witness();
    match state
        .vault
        .adopt_unprotected_events(&state.store, &witness)
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::warn!(n, "access events from before MACs existed were adopted"),
        Err(e) => tracing::error!(error = %e, "could not adopt older access events"),
    }
    loop {
        sign(&state, &witness).await;
        tokio::select! {
            _ = tokio::time::sleep(state.config.checkpoint_every) => {}
            _ = shutdown.changed() => break,
        }
    }
    sign(&state, &witness).await;
}

/// Runs the jobs every `housekeeping_every` until `shutdown`, then once more.
pub async fn run(state: AppState, jobs: Vec<Job>, mut shutdown: Receiver<bool>) {
    loop {
        let stop = tokio::select! {
            _ = tokio::time::sleep(state.config.housekeeping_every) => false,
            _ = shutdown.changed() => true,
        };
        if let Err(e) = state.store.optimize().await {
            tracing::error!(error = %e, "could not refresh query statistics");
        }
        // The sign-in ledger only needs to remember the throttling window; keep a day.
        if let Err(e) = state.store.prune_login_attempts(24 * 3600 * 1000).await {
            tracing::error!(error = %e, "could not prune old sign-in attempts");
        }
        for job in &jobs {
            if let Err(e) = (job.run)(&state).await {
                tracing::error!(job = job.name, error = %e, "housekeeping job failed");
            }
        }
        if stop {
            break;
        }
    }
}
