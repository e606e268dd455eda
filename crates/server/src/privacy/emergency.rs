//! Break-glass access: an administrator may open one client's records for a limited time
//! with a written reason. The grant is logged, shown prominently to the client, and both
//! the client and the therapists who have treated them are told at once.

use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::meta::RequestMeta;
use crate::platform::state::AppState;
use rapport_core::{Email, Invalid, Role, UserId};
use rapport_store::emergency::EmergencyGrant;

/// A grant as the client, the administrator and the API see it: the stored grant with
/// its reason opened (it is stored sealed: it may be clinical).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Grant {
    pub id: String,
    pub admin_id: String,
    pub client_id: String,
    pub reason: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub ended_at: Option<i64>,
}

async fn opened(state: &AppState, g: EmergencyGrant) -> AppResult<Grant> {
    let sealed = g.reason_sealed.as_deref().unwrap_or_default();
    let reason = state
        .open_secret(rapport_vault::SecretAt::grant_reason(&g.id), sealed)
        .await?;
    Ok(Grant {
        reason: reason.to_string(),
        id: g.id,
        admin_id: g.admin_id,
        client_id: g.client_id,
        created_at: g.created_at,
        expires_at: g.expires_at,
        ended_at: g.ended_at,
    })
}

/// Every grant on the client's records, newest first.
pub async fn grants_for_client(state: &AppState, client: &UserId) -> AppResult<Vec<Grant>> {
    let mut out = Vec::new();
    for g in state.store.emergency_grants_for_client(client).await? {
        out.push(opened(state, g).await?);
    }
    Ok(out)
}

pub const MIN_REASON: usize = 30;
pub const MAX_MINUTES: i64 = 60;

pub async fn grant(
    state: &AppState,
    admin: &Actor,
    client_email: &str,
    reason: &str,
    minutes: i64,
    meta: &RequestMeta,
) -> AppResult<Grant> {
    let reason = reason.trim();
    let mut errors = Vec::new();
    if reason.chars().count() < MIN_REASON || reason.chars().count() > 2000 {
        errors.push(Invalid::new(
            "reason",
            format!("Write the reason in full ({MIN_REASON} to 2,000 characters): the client will read it."),
        ));
    }
    if !(5..=MAX_MINUTES).contains(&minutes) {
        errors.push(Invalid::new(
            "minutes",
            format!("Emergency access lasts 5 to {MAX_MINUTES} minutes."),
        ));
    }
    let client = match Email::parse(client_email) {
        Ok(e) => state
            .store
            .user_by_email(&e)
            .await?
            .filter(|u| u.role == Role::Client),
        Err(_) => None,
    };
    if client.is_none() {
        errors.push(Invalid::new(
            "client_email",
            "No client account has that e-mail address.",
        ));
    }
    let (Some(client), true) = (client, errors.is_empty()) else {
        return Err(AppError::Fields(errors));
    };
    let therapists = treating_therapists(state, &client.id).await?;
    // The grant, its event in the client's access log and the mails are one transaction.
    let mut tx = state.store.begin_write().await?;
    let ctx = admin.access(rapport_vault::Purpose::Emergency, &meta.request_id);
    let g = state
        .vault
        .grant_emergency(&mut tx, &ctx, &client.id, reason, minutes)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let until = rapport_core::time::human(g.expires_at, &client.time_zone());
    // The reason may be clinical: it stays in Rapport and is never e-mailed.
    super::mail::emergency_access_client(state, &mut tx, &client, &admin.user.display_name, &until)
        .await?;
    for therapist in &therapists {
        super::mail::emergency_access_therapist(
            state,
            &mut tx,
            therapist,
            &client.display_name,
            &admin.user.display_name,
        )
        .await?;
    }
    tx.commit().await?;
    state.mail_wakeup.notify_one();
    state
        .store
        .record_security_event(
            Some(&admin.user.id),
            "emergency_access_granted",
            Some(&meta.ip),
            Some(&meta.request_id),
        )
        .await?;
    opened(state, g).await
}

/// The therapists in active care with the client: they are told of every emergency access.
async fn treating_therapists(
    state: &AppState,
    client: &UserId,
) -> AppResult<Vec<rapport_store::users::User>> {
    let mut out = Vec::new();
    for c in state.store.care_of(client, rapport_store::now_ms()).await? {
        if c.client_id != client.as_str() || c.status != "active" {
            continue;
        }
        if let Some(u) = state.store.user(&UserId(c.therapist_id)).await? {
            if u.erased_at.is_none() {
                out.push(u);
            }
        }
    }
    Ok(out)
}

/// The grants open now, each as its id, its administrator and a sentence for the admin
/// page.
pub async fn live_grant_sentences(
    state: &AppState,
    tz: &rapport_core::TimeZoneName,
) -> AppResult<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for g in state.store.live_emergency_grants().await? {
        let g = opened(state, g).await?;
        let name = |id: &str| {
            let id = UserId(id.to_string());
            async move {
                state
                    .store
                    .user(&id)
                    .await
                    .map(|u| u.map(|u| u.display_name).unwrap_or_else(|| id.to_string()))
            }
        };
        let sentence = format!(
            "{} has access to {}'s records until {}. Reason: {}",
            name(&g.admin_id).await?,
            name(&g.client_id).await?,
            rapport_core::time::human(g.expires_at, tz),
            g.reason
        );
        out.push((g.id, g.admin_id, sentence));
    }
    Ok(out)
}

/// Ends a grant now, recording who ended it.
pub async fn end(
    state: &AppState,
    admin: &Actor,
    grant: &str,
    meta: &RequestMeta,
) -> AppResult<()> {
    let mut tx = state.store.begin_write().await?;
    let ctx = admin.access(rapport_vault::Purpose::Emergency, &meta.request_id);
    let ended = state
        .vault
        .end_emergency(&mut tx, &ctx, grant)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tx.commit().await?;
    if ended.is_some() {
        state
            .store
            .record_security_event(
                Some(&admin.user.id),
                "emergency_access_ended",
                Some(&meta.ip),
                Some(&meta.request_id),
            )
            .await?;
    }
    Ok(())
}

/// The live grant `id`, if it is `admin`'s: only its holder reads under it.
pub async fn live_grant_of(state: &AppState, admin: &Actor, id: &str) -> AppResult<Grant> {
    let now = rapport_store::now_ms();
    let g = state
        .store
        .live_emergency_grants()
        .await?
        .into_iter()
        .find(|g| g.id == id && g.admin_id == admin.user.id.as_str() && g.expires_at > now)
        .ok_or(AppError::NotFound)?;
    opened(state, g).await
}
