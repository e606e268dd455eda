//! Who is making a request: resolved once per request from the session cookie or a
//! bearer token, and handed to guards and handlers as an [`Actor`].

use super::{cookie_value, SESSION_COOKIE};
use crate::platform::error::AppError;
use crate::platform::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use rapport_core::{Role, TokenId};
use rapport_store::sessions::{Authenticated, Session, SessionLevel};
use rapport_store::token_hash;
use rapport_store::users::User;
use rapport_vault::{AccessContext, Purpose};

/// How the actor proved who they are.
#[derive(Debug, Clone)]
pub enum AuthVia {
    Session(Session),
    /// A personal API token; tokens are only issued to fully authenticated sessions.
    Token(TokenId),
}

/// A signed-in person, as the auth layer found them. It can only be made by looking up a
/// live session or API token ([`identify`]), and it is the only source of the access
/// contexts the vault accepts.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub via: AuthVia,
    proof: Authenticated,
}

impl Actor {
    /// The context in which this person seals or opens a client's records.
    pub fn access(&self, purpose: Purpose, request_id: &str) -> AccessContext {
        AccessContext::person(&self.proof, purpose, Some(request_id.to_string()))
    }

    /// The context of an administrator's break-glass access under `grant` (the vault
    /// checks that the grant is theirs, live, and for the client whose records they open).
    pub fn emergency_access(&self, grant: &str, request_id: &str) -> AccessContext {
        AccessContext::emergency(&self.proof, grant.to_string(), Some(request_id.to_string()))
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn session(&self) -> Option<&Session> {
        match &self.via {
            AuthVia::Session(s) => Some(s),
            AuthVia::Token(_) => None,
        }
    }

    pub fn is_bearer(&self) -> bool {
        matches!(self.via, AuthVia::Token(_))
    }

    /// Waiting for the second factor at login.
    pub fn pending_mfa(&self) -> bool {
        self.session()
            .is_some_and(|s| s.level == SessionLevel::PendingMfa)
    }

    /// Signed in as far as the role demands: MFA for clinicians and admins, and for any
    /// client who turned it on.
    pub fn fully_authenticated(&self) -> bool {
        match &self.via {
            AuthVia::Token(_) => true,
            AuthVia::Session(s) => match s.level {
                SessionLevel::Mfa => true,
                SessionLevel::Password => {
                    !self.user.role.requires_mfa() && !self.user.mfa_enabled()
                }
                SessionLevel::PendingMfa => false,
            },
        }
    }

    /// A clinician or admin who still has to set up MFA before reaching anything else.
    pub fn needs_mfa_enrolment(&self) -> bool {
        self.user.role.requires_mfa()
            && !self.user.mfa_enabled()
            && self
                .session()
                .is_some_and(|s| s.level == SessionLevel::Password)
    }
}

/// The request's identity, possibly anonymous; put in extensions by [`resolve_identity`].
#[derive(Debug, Clone, Default)]
pub struct Identity(pub Option<Actor>);

/// Middleware: looks up the session cookie or bearer token. A bearer token that does not
/// match is refused outright rather than treated as anonymous.
pub async fn resolve_identity(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    // Operations endpoints and static files have no one to identify (and `/metrics`
    // carries the scraper's own token, not an API token).
    let path = req.uri().path();
    if matches!(path, "/healthz" | "/readyz" | "/metrics") || path.starts_with("/static/") {
        req.extensions_mut().insert(Identity(None));
        return next.run(req).await;
    }
    match identify(&state, req.headers()).await {
        Ok(identity) => {
            req.extensions_mut().insert(identity);
            next.run(req).await
        }
        Err(e) => crate::platform::respond::error_for(&state, req.uri().path(), &req, e),
    }
}

/// Looks up who sent `headers`: a bearer token (refused if it does not match) or the
/// session cookie (anonymous if it does not match).
pub async fn identify(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Identity, AppError> {
    if let Some(auth) = headers.get(axum::http::header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthenticated)?;
        let (token_id, user, proof) = state
            .store
            .api_token_owner(&token_hash(token))
            .await?
            .ok_or(AppError::Unauthenticated)?;
        return Ok(Identity(Some(Actor {
            user,
            via: AuthVia::Token(token_id),
            proof,
        })));
    }
    let Some(token) = cookie_value(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(Identity(None));
    };
    let Some((session, user, proof)) = state.store.session_person(&token_hash(&token)).await?
    else {
        return Ok(Identity(None));
    };
    Ok(Identity(Some(Actor {
        user,
        via: AuthVia::Session(session),
        proof,
    })))
}

impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        Ok(parts
            .extensions
            .get::<Identity>()
            .cloned()
            .unwrap_or_default())
    }
}

/// A handler argument that requires a signed-in actor. Route guards have already checked
/// the route's rule; this only hands the actor over.
impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Identity>()
            .and_then(|i| i.0.clone())
            .ok_or(AppError::Unauthenticated)
    }
}
