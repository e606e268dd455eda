//! Who is making a request: resolved once per request from the session cookie or a
//! bearer token, and handed to guards and handlers as an [`Actor`].

use super::{cookie_value, SESSION_COOKIE};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use rapport_core::{Role, TokenId};
use rapport_store::sessions::{Session, SessionLevel};
use rapport_store::token_hash;
use rapport_store::users::User;

/// How the actor proved who they are.
#[derive(Debug, Clone)]
pub enum AuthVia {
    Session(Session),
    /// A personal API token; tokens are only issued to fully authenticated sessions.
    Token(TokenId),
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub via: AuthVia,
}

impl Actor {
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
    match identify(&state, req.headers()).await {
        Ok(identity) => {
            req.extensions_mut().insert(identity);
            next.run(req).await
        }
        Err(e) => crate::respond::error_for(&state, req.uri().path(), &req, e),
    }
}

async fn identify(state: &AppState, headers: &axum::http::HeaderMap) -> Result<Identity, AppError> {
    if let Some(auth) = headers.get(axum::http::header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AppError::Unauthenticated)?;
        let (token_id, user) = state
            .store
            .api_token_owner(&token_hash(token))
            .await?
            .ok_or(AppError::Unauthenticated)?;
        return Ok(Identity(Some(Actor {
            user,
            via: AuthVia::Token(token_id),
        })));
    }
    let Some(token) = cookie_value(headers, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
        return Ok(Identity(None));
    };
    let Some(session) = state.store.live_session(&token_hash(&token)).await? else {
        return Ok(Identity(None));
    };
    let Some(user) = state.store.user(&session.user_id).await? else {
        return Ok(Identity(None));
    };
    Ok(Identity(Some(Actor {
        user,
        via: AuthVia::Session(session),
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
