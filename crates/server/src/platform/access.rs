//! Authorization as a mechanism. Every route is registered with an [`Access`] rule and
//! the guard enforces it — including CSRF and object ownership — before the handler
//! runs; a route cannot be added without a rule, and the route table lists them all.

use crate::platform::auth::csrf::{self, CsrfFailure};
use crate::platform::auth::{Actor, Identity};
use crate::platform::error::AppError;
use crate::platform::error::AppResult;
use crate::platform::respond::{error_for, is_api};
use crate::platform::state::AppState;
use axum::extract::{RawPathParams, Request, State};
use axum::http::Method;
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::MethodRouter;
use axum::Router;
use rapport_core::{Role, UserId};
use std::collections::BTreeMap;

pub const ALL_ROLES: &[Role] = &[Role::Client, Role::Therapist, Role::Admin];
pub const ADMIN: &[Role] = &[Role::Admin];
pub const CLIENTS: &[Role] = &[Role::Client];
pub const THERAPISTS: &[Role] = &[Role::Therapist];
/// The two sides of a session.
pub const PARTICIPANTS: &[Role] = &[Role::Client, Role::Therapist];

/// How to find who owns the record a route's `{id}` names: a feature's lookup (for
/// example "the two parties of an appointment"). The platform knows no feature; each
/// feature hands its lookups to the routes it registers.
#[derive(Clone, Copy)]
pub struct Ownership {
    /// What the record is, for the route table and the authorization walk.
    pub name: &'static str,
    /// The people who own record `id` (empty when there is no such record).
    pub owners: for<'a> fn(&'a AppState, &'a str) -> BoxFuture<'a, AppResult<Vec<UserId>>>,
}

impl std::fmt::Debug for Ownership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A boxed future, for ownership lookups kept in a table.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Who may use a route.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A session that gave its password and still owes the second factor.
    PendingMfa,
    /// Any signed-in person, even a clinician who has not set up MFA yet: their own
    /// account settings (that is how they set it up).
    Account,
    /// Fully authenticated, in one of these roles.
    Roles(&'static [Role]),
    /// As `Roles`, and the route's `{id}` must name a record of this kind that the
    /// actor owns; anyone else gets 404, as if it did not exist.
    Owner(&'static [Role], Ownership),
}

/// One registered route, as the authorization walk and the OpenAPI check see it.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// Builds the router while recording each route's rule.
pub struct Routes {
    state: AppState,
    by_path: BTreeMap<&'static str, MethodRouter<AppState>>,
    table: Vec<RouteInfo>,
}

impl Routes {
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            by_path: BTreeMap::new(),
            table: Vec::new(),
        }
    }

    /// Registers `handler` (a one-method router such as `get(h)`) for `method` and `path`
    /// under `access`.
    pub fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Self {
        let guarded = handler.route_layer(from_fn_with_state((self.state.clone(), access), guard));
        let entry = self.by_path.remove(path);
        let merged = match entry {
            Some(existing) => existing.merge(guarded),
            None => guarded,
        };
        self.by_path.insert(path, merged);
        self.table.push(RouteInfo {
            method,
            path,
            access,
        });
        self
    }

    pub fn finish(self) -> (Router<AppState>, Vec<RouteInfo>) {
        let mut router = Router::new();
        for (path, mr) in self.by_path {
            router = router.route(path, mr);
        }
        (router, self.table)
    }
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

async fn guard(
    State((state, access)): State<(AppState, Access)>,
    params: RawPathParams,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let api = is_api(&path);
    let identity = req
        .extensions()
        .get::<Identity>()
        .cloned()
        .unwrap_or_default();
    let actor = identity.0.as_ref();

    if let Err(denied) = admit(&state, access, actor, &params).await {
        return match denied {
            Denied::Login if !api => Redirect::to("/login").into_response(),
            Denied::FinishMfa if !api => Redirect::to("/login/mfa").into_response(),
            Denied::EnrolMfa if !api => Redirect::to("/account/mfa").into_response(),
            Denied::EnrolMfa => error_for(
                &state,
                &path,
                &req,
                AppError::Refused(
                    "Set up two-step verification on your account before using this.".into(),
                ),
            ),
            Denied::Login | Denied::FinishMfa => {
                error_for(&state, &path, &req, AppError::Unauthenticated)
            }
            Denied::Forbidden => error_for(&state, &path, &req, AppError::Forbidden),
            Denied::NotFound => error_for(&state, &path, &req, AppError::NotFound),
            Denied::Error(e) => error_for(&state, &path, &req, e),
        };
    }

    let mut req = req;
    let extensions = req.extensions().clone();
    let cookie_authenticated = actor.is_some_and(|a| !a.is_bearer());
    let has_session_cookie =
        crate::platform::auth::cookie_value(req.headers(), crate::platform::auth::SESSION_COOKIE)
            .is_some();
    if is_unsafe(req.method()) && actor.is_none_or(|a| !a.is_bearer()) {
        // Anonymous JSON calls are covered by the Origin check and by JSON's CORS
        // preflight; anything riding on a cookie must also present the token.
        let need_token = !api || cookie_authenticated || has_session_cookie;
        let origin = state.config.origin();
        let checked = if need_token {
            csrf::check(req, &origin, state.config.body_limit).await
        } else {
            origin_only(req, &origin)
        };
        req = match checked {
            Ok(r) => r,
            Err(f) => {
                let err = match f {
                    CsrfFailure::ForeignOrigin => AppError::Refused(
                        "This request came from another site and was refused.".into(),
                    ),
                    CsrfFailure::BadToken => AppError::Refused(
                        "This form has expired or was not sent from Rapport. Reload the page and try again.".into(),
                    ),
                    CsrfFailure::Body => AppError::PayloadTooLarge(
                        "The form is larger than Rapport accepts (64 KiB).".into(),
                    ),
                };
                let mut fake = Request::new(axum::body::Body::empty());
                *fake.extensions_mut() = extensions;
                return error_for(&state, &path, &fake, err);
            }
        };
    }
    next.run(req).await
}

fn origin_only(req: Request, origin: &str) -> Result<Request, CsrfFailure> {
    csrf::check_origin(req.headers(), origin).map(|()| req)
}

enum Denied {
    Login,
    FinishMfa,
    EnrolMfa,
    Forbidden,
    NotFound,
    Error(AppError),
}

async fn admit(
    state: &AppState,
    access: Access,
    actor: Option<&Actor>,
    params: &RawPathParams,
) -> Result<(), Denied> {
    let signed_in = |a: Option<&Actor>| -> Result<Actor, Denied> {
        let a = a.ok_or(Denied::Login)?;
        if a.pending_mfa() {
            return Err(Denied::FinishMfa);
        }
        Ok(a.clone())
    };
    let member = |a: Option<&Actor>, roles: &[Role]| -> Result<Actor, Denied> {
        let a = signed_in(a)?;
        if a.needs_mfa_enrolment() {
            return Err(Denied::EnrolMfa);
        }
        if !a.fully_authenticated() {
            return Err(Denied::FinishMfa);
        }
        if !roles.contains(&a.role()) {
            return Err(Denied::Forbidden);
        }
        Ok(a)
    };
    match access {
        Access::Public => Ok(()),
        Access::PendingMfa => match actor {
            Some(a) if a.pending_mfa() => Ok(()),
            _ => Err(Denied::Login),
        },
        Access::Account => signed_in(actor).map(|_| ()),
        Access::Roles(roles) => member(actor, roles).map(|_| ()),
        Access::Owner(roles, kind) => {
            let a = member(actor, roles)?;
            let id = params
                .iter()
                .find(|(k, _)| *k == "id")
                .map(|(_, v)| v.to_string())
                .ok_or(Denied::NotFound)?;
            let owners = (kind.owners)(state, &id).await.map_err(Denied::Error)?;
            if owners.contains(&a.user.id) {
                Ok(())
            } else {
                Err(Denied::NotFound)
            }
        }
    }
}
