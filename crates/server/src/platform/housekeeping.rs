//! Housekeeping: work that runs every minute and once more at shutdown. The platform
//! signs the access log's head and refreshes query statistics; features add their jobs
//! (erasures that fell due, reminders, settling sessions…) through `lib.rs`.

use crate::platform::access::BoxFuture;
use crate::platform::error::AppResult;
use crate::platform::state::AppState;

/// One piece of background work a feature asks for.
#[derive(Clone, Copy)]
pub struct Job {
    pub name: &'static str,
    pub run: for<'a> fn(&'a AppState) -> BoxFuture<'a, AppResult<()>>,
}

/// Runs the jobs every `checkpoint_every` until `shutdown`, then once more.
pub async fn run(
    state: AppState,
    jobs: Vec<Job>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let stop = tokio::select! {
            _ = tokio::time::sleep(state.config.checkpoint_every) => false,
            _ = shutdown.changed() => true,
        };
        let signed = state.vault.checkpoint(&state.store).await;
        match signed {
            Ok(Some(seq)) => tracing::info!(seq, "signed an access-log checkpoint"),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "could not sign an access-log checkpoint"),
        }
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
