//! Account erasure for clients. What is not clinical record goes at once; clinical records
//! a therapist must keep by law stay sealed for the retention period and are then
//! destroyed by destroying the client's data key.

use crate::platform::auth::{password, Actor};
use crate::platform::error::{AppError, AppResult};
use crate::platform::state::AppState;
use rapport_core::{time::human, Invalid};
use serde::Serialize;

/// What erasure will do, in words for the client, before they confirm.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErasurePlan {
    pub goes_now: Vec<&'static str>,
    pub stays: Vec<&'static str>,
    /// When what stays is destroyed (ms since the epoch), if anything stays.
    pub stays_until: Option<i64>,
    pub stays_until_text: Option<String>,
    pub why: Option<String>,
}

const GOES_NOW: &[&str] = &[
    "your name, pronouns and e-mail address",
    "your password and two-step verification",
    "every signed-in device and API token",
    "the network addresses recorded with your sign-ins",
];

fn retention_ms(state: &AppState) -> i64 {
    (state.config.retention_years as i64) * 365 * 24 * 3600 * 1000
}

pub async fn plan(state: &AppState, actor: &Actor) -> AppResult<ErasurePlan> {
    let clinical = state.store.has_clinical_records(&actor.user.id).await?;
    let consents = !state
        .store
        .latest_signatures(&actor.user.id)
        .await?
        .is_empty();
    if !clinical && !consents {
        return Ok(ErasurePlan {
            goes_now: GOES_NOW.to_vec(),
            stays: vec![],
            stays_until: None,
            stays_until_text: None,
            why: None,
        });
    }
    let until = rapport_store::now_ms() + retention_ms(state);
    let mut stays = vec!["the consents you signed"];
    if clinical {
        stays.push("the clinical records of your care (notes, messages, answers), still encrypted under your key");
    }
    stays.push("the log of who accessed those records");
    Ok(ErasurePlan {
        goes_now: GOES_NOW.to_vec(),
        stays,
        stays_until: Some(until),
        stays_until_text: Some(human(until, &actor.user.time_zone())),
        why: Some(format!(
            "The law requires therapists to keep records of care for a period after it ends ({} years here). \
             Until then they stay encrypted and no one can read them except as the law requires; \
             then your key is destroyed and they can never be opened again.",
            state.config.retention_years
        )),
    })
}

/// Erases the client's account after checking their password and confirmation.
pub async fn erase(
    state: &AppState,
    actor: &Actor,
    current_password: &str,
    confirmed: bool,
    meta: &crate::platform::meta::RequestMeta,
) -> AppResult<ErasurePlan> {
    if actor.user.role != rapport_core::Role::Client {
        return Err(AppError::Refused(
            "Only client accounts can be erased here; therapists and staff ask an administrator."
                .into(),
        ));
    }
    let stored = state.store.password_hash(&actor.user.id).await?;
    if !password::verify(current_password.to_string(), stored).await? {
        return Err(AppError::Invalid(Invalid::new(
            "current_password",
            "Your current password is not right.",
        )));
    }
    if !confirmed {
        return Err(AppError::Invalid(Invalid::new(
            "confirm",
            "Tick the box to confirm that you understand what erasure does.",
        )));
    }
    let plan = plan(state, actor).await?;
    // Their booked sessions are cancelled first — not as their late cancellations, and
    // with only the therapists told — so no calendar keeps time for someone who left.
    let now = chrono::Utc::now();
    for a in state
        .store
        .appointments_of(
            &actor.user.id,
            rapport_core::time::to_millis(now),
            rapport_core::time::to_millis(now + chrono::Duration::days(800)),
        )
        .await?
    {
        if a.status == "booked" && a.client_id == actor.user.id.as_str() {
            crate::scheduling::service::cancel_for_erasure(state, actor, &a.id).await?;
        }
    }
    // Then their care ends (open requests are withdrawn): each therapist is told while the
    // account can still be named, and keeps read access to what was recorded, for the
    // retention period only.
    crate::care::service::end_all_for_erasure(state, actor, meta).await?;
    let destroy_after = plan.stays_until.unwrap_or_else(rapport_store::now_ms);
    state
        .store
        .record_security_event(
            Some(&actor.user.id),
            "account_erasure_requested",
            None,
            Some(&meta.request_id),
        )
        .await?;
    state
        .store
        .erase_personal_data(&actor.user.id, destroy_after)
        .await?;
    run_due(state).await?;
    Ok(plan)
}

/// Destroys the retained records whose retention period has ended; returns how many
/// clients' records were destroyed.
pub async fn run_due(state: &AppState) -> AppResult<usize> {
    let due = state.store.due_erasures(rapport_store::now_ms()).await?;
    for req in &due {
        let client = rapport_core::UserId(req.client_id.clone());
        let mut tx = state.store.begin_write().await?;
        state
            .vault
            .destroy_client_key(&mut tx, &client)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        state.store.finish_erasure(&mut tx, &client).await?;
        tx.commit().await?;
        state.vault.forget_key(&client);
        tracing::info!(client = %client, "retention ended: the client's data key was destroyed");
    }
    Ok(due.len())
}
