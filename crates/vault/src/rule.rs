//! The one rule that decides who may seal or open a client's records. Everything else in
//! Rapport relies on it; nothing else decides it.
//!
//! - A client always opens and writes their own records (so does a therapist their own
//!   license evidence): no access event, nothing to check.
//! - A therapist reaches a client's clinical records only through the care relationship
//!   the record belongs to, and only as `rapport_core::care::therapist_access` allows:
//!   read and write while it is active, read once it has ended (records are kept for
//!   the retention period), of a request only the request itself.
//! - An administrator opens a client's records only under a live break-glass grant of
//!   their own for that client, and license evidence (to verify it); never writes.
//! - Background jobs never open or seal anything.
//!
//! A refusal is recorded as a security event even though the caller's transaction will
//! be rolled back.

use crate::access::{AccessContext, Action, Actor, ActorRole, RecordKind};
use crate::seal::Locator;
use crate::{Result, VaultError};
use rapport_core::care::{therapist_access, RecordAccess};
use rapport_store::Tx;

/// What the rule allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permit {
    /// The client's own records: nothing to log.
    Own,
    /// Someone else's records: the access is logged.
    Logged,
}

/// Decides whether `ctx` may do `action` on the record at `at`; refusals are recorded.
pub(crate) async fn permit(
    tx: &mut Tx,
    ctx: &AccessContext,
    at: &Locator<'_>,
    action: Action,
) -> Result<Permit> {
    match decide(tx, ctx, at, action).await? {
        Some(p) => Ok(p),
        None => {
            let kind = match action {
                Action::Write => "vault_write_refused",
                _ => "vault_read_refused",
            };
            tx.record_regardless(ctx.actor_id(), kind, ctx.request_id());
            tracing::warn!(
                actor = %ctx.actor_name(),
                record_kind = at.kind.as_str(),
                action = action.as_str(),
                "refused access to a client's records"
            );
            Err(VaultError::NotPermitted)
        }
    }
}

async fn decide(
    tx: &mut Tx,
    ctx: &AccessContext,
    at: &Locator<'_>,
    action: Action,
) -> Result<Option<Permit>> {
    // A record that names a relationship must belong to this client's relationship.
    let care = match at.care {
        Some(id) => match rapport_store::care::relationship(tx, id).await? {
            Some(r) if r.client_id == at.client.as_str() => Some(r),
            _ => return Ok(None),
        },
        None => None,
    };
    if at.kind.is_clinical() && care.is_none() {
        return Ok(None);
    }
    let (id, role) = match &ctx.actor {
        Actor::Job(_) => return Ok(None),
        Actor::Person { id, role } => (id, *role),
    };
    if id == at.client && ctx.grant.is_none() {
        return Ok(Some(Permit::Own));
    }
    let reading = action == Action::Read;
    let allowed = match role {
        ActorRole::Admin => match (&ctx.grant, at.kind) {
            (_, RecordKind::LicenseEvidence) => reading,
            (Some(grant), _) => {
                reading
                    && rapport_store::vault::live_grant(tx, grant, id.as_str(), at.client.as_str())
                        .await?
            }
            (None, _) => false,
        },
        ActorRole::Therapist => match &care {
            Some(r) if r.therapist_id == id.as_str() && ctx.grant.is_none() => {
                match therapist_access(Some(&r.rules())) {
                    RecordAccess::ReadWrite => true,
                    RecordAccess::ReadOnly => reading,
                    RecordAccess::ContactRequestOnly => at.kind == RecordKind::ContactRequest,
                    RecordAccess::None => false,
                }
            }
            _ => false,
        },
        ActorRole::Client | ActorRole::System => false,
    };
    Ok(allowed.then_some(Permit::Logged))
}
