//! The authorization walk: every registered route, called by every kind of person, must
//! admit exactly those its rule names. A route without a rule cannot exist (the router is
//! built from the rule table), and a rule that admits the wrong person fails here. For
//! every route that touches a client's data the walk has two therapists: the client's own
//! (in active care with them) and one who has never been related to the client.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rapport_core::Role;
use rapport_server::{route_table, Access};
use rapport_store::sessions::SessionLevel;
use rapport_store::token_hash;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    Anonymous,
    Client,
    OtherClient,
    ClientBearer,
    /// The client's therapist: in active care with the client.
    Therapist,
    /// A therapist never related to the client.
    OtherTherapist,
    TherapistWithoutMfa,
    PendingMfa,
    Admin,
}

const PERSONAS: [Persona; 9] = [
    Persona::Anonymous,
    Persona::Client,
    Persona::OtherClient,
    Persona::ClientBearer,
    Persona::Therapist,
    Persona::OtherTherapist,
    Persona::TherapistWithoutMfa,
    Persona::PendingMfa,
    Persona::Admin,
];

/// Who owns the record a route's `{id}` names, in the walk.
fn owners(ownership: &str) -> &'static [Persona] {
    use Persona::*;
    match ownership {
        "API token" => &[Client, ClientBearer],
        "license" => &[Therapist],
        // The two sides of the client's care: the client and their own therapist.
        "appointment" | "care relationship" => &[Client, ClientBearer, Therapist],
        other => panic!("the walk does not know who owns a {other}"),
    }
}

/// Whether `persona` should get past `access`.
fn expected(access: Access, p: Persona) -> bool {
    use Persona::*;
    let full_role = match p {
        Client | OtherClient | ClientBearer => Some(Role::Client),
        Therapist | OtherTherapist => Some(Role::Therapist),
        Admin => Some(Role::Admin),
        Anonymous | TherapistWithoutMfa | PendingMfa => None,
    };
    match access {
        Access::Public => true,
        Access::PendingMfa => p == PendingMfa,
        Access::Account => !matches!(p, Anonymous | PendingMfa),
        Access::Roles(roles) => full_role.is_some_and(|r| roles.contains(&r)),
        Access::Owner(roles, ownership) => {
            owners(ownership.name).contains(&p) && full_role.is_some_and(|r| roles.contains(&r))
        }
    }
}

fn denied(res: &TestResponse, api: bool) -> bool {
    if api {
        matches!(
            res.status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        )
    } else {
        matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
            || matches!(
                res.location(),
                Some("/login" | "/login/mfa" | "/account/mfa")
            )
    }
}

#[tokio::test]
async fn every_route_admits_exactly_whom_its_rule_names() {
    let app = spawn_app().await;
    let client = app.user("client@example.org", Role::Client).await;
    let other_client = app.user("other.client@example.org", Role::Client).await;
    // The client's therapist can be booked, and is in active care with the client.
    let (therapist, walk_kind) = bookable_therapist(&app, "therapist@example.org", 0).await;
    let care = app.relate(&client, &therapist, Stage::Active).await;
    let other_therapist = app
        .user("other.therapist@example.org", Role::Therapist)
        .await;
    let novice = app.user("novice@example.org", Role::Therapist).await;
    let admin = app.user("admin@example.org", Role::Admin).await;
    for u in [&therapist, &other_therapist, &admin] {
        app.enable_totp(u).await;
    }
    // Clients have signed the document the walk uses, so its download exists.
    for u in [&client, &other_client] {
        rapport_server::privacy::consent::sign(
            &app.state,
            &u.id,
            "messaging-policy",
            "A Client",
            None,
        )
        .await
        .unwrap();
    }

    let pending_license = app
        .state
        .store
        .add_license(
            &therapist.id,
            rapport_store::directory::NewLicense {
                license_type: "lpc",
                number: "1",
                country: "US",
                region: Some("TX"),
                issued_on: "2020-01-01",
                expires_on: "2030-01-01",
            },
        )
        .await
        .unwrap()
        .id;
    // The pending license has evidence, so the admin's evidence route has something to open.
    let uploader = app.actor(&therapist).await;
    rapport_server::directory::uploads::store_evidence(
        &app.state,
        &uploader,
        &pending_license,
        b"%PDF-1.4 walk",
        "walk",
    )
    .await
    .unwrap();
    // Booking routes get the client's therapist, and each call on an appointment route
    // gets a fresh appointment of theirs starting in a few minutes (so joining, cancelling
    // and moving all apply). Each call on a care route finds the relationship in the state
    // the route acts on (a request to answer, or active care to end).
    let walk_therapist = therapist.clone();
    let mut walk_start = rapport_store::now_ms() + 5 * 60_000;
    let table = route_table(&app.state);
    assert!(table.len() > 40, "the walk must see the whole table");
    let mut failures = Vec::new();
    let mut checked = 0;
    for route in &table {
        for persona in PERSONAS {
            // Fresh sessions and a fresh token of the client's for every call, so that a
            // route that logs out or revokes cannot disturb the next one.
            let bearer_secret = format!("rpt_walk_{}", rapport_store::new_id());
            let owned = app
                .state
                .store
                .create_api_token(&client.id, "walk", &token_hash(&bearer_secret), 86_400_000)
                .await
                .unwrap();
            let mut c = match persona {
                Persona::Anonymous => app.client(),
                Persona::Client => app.session_client(&client, SessionLevel::Password).await,
                Persona::OtherClient => {
                    app.session_client(&other_client, SessionLevel::Password)
                        .await
                }
                Persona::ClientBearer => {
                    let mut c = app.client();
                    c.bearer = Some(bearer_secret.clone());
                    c
                }
                Persona::Therapist => app.session_client(&therapist, SessionLevel::Mfa).await,
                Persona::OtherTherapist => {
                    app.session_client(&other_therapist, SessionLevel::Mfa)
                        .await
                }
                Persona::TherapistWithoutMfa => {
                    app.session_client(&novice, SessionLevel::Password).await
                }
                Persona::PendingMfa => {
                    app.session_client(&therapist, SessionLevel::PendingMfa)
                        .await
                }
                Persona::Admin => app.session_client(&admin, SessionLevel::Mfa).await,
            };
            if persona == Persona::Anonymous {
                c.get("/healthz").await; // receive a CSRF cookie like any visitor
            }
            let mut path = route.path.replace("{license}", &pending_license);
            if path.starts_with("/therapist/licenses/{id}") {
                path = path.replace("{id}", &pending_license);
            }
            if path.starts_with("/therapists/{id}/") || path.starts_with("/api/v1/therapists/{id}/")
            {
                path = path.replace("{id}", walk_therapist.id.as_str());
            }
            if path.contains("/appointments/{id}") {
                walk_start += 1;
                let id =
                    appointment_at(&app, &walk_therapist, &client, &walk_kind, walk_start).await;
                path = path.replace("{id}", &id);
            }
            if path.starts_with("/admin/emergency/{id}") {
                // A live grant of the admin's, so the read-only view has one to show.
                let root = app.actor(&admin).await;
                let meta = rapport_server::platform::meta::RequestMeta {
                    ip: "127.0.0.1".into(),
                    user_agent: None,
                    request_id: "walk".into(),
                };
                let reason = "The route walk needs a live grant to look under.";
                let g = rapport_server::privacy::emergency::grant(
                    &app.state,
                    &root,
                    "client@example.org",
                    reason,
                    5,
                    &meta,
                )
                .await
                .unwrap();
                path = path.replace("{id}", &g.id);
            }
            if path.contains("/care/{id}") {
                let status = if ["/accept", "/decline", "/withdraw"]
                    .iter()
                    .any(|a| path.ends_with(a))
                {
                    "requested"
                } else {
                    "active"
                };
                set_care(&app, &care, status).await;
                path = path.replace("{id}", &care);
            }
            let path = concrete(&path, owned.id.as_str());
            let api = path.starts_with("/api/");
            let res = match route.method.clone() {
                Method::GET => c.get(&path).await,
                Method::POST if !api => c.post_form(&path, &[]).await,
                m => {
                    let body = (m != Method::DELETE).then(|| serde_json::json!({}));
                    c.json(m, &path, body).await
                }
            };
            checked += 1;
            set_care(&app, &care, "active").await;
            assert_ne!(
                res.status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{} {path} as {persona:?}: 500 {}",
                route.method,
                res.body
            );
            let should = expected(route.access, persona);
            let was_denied = denied(&res, api);
            // Public routes may answer 404/403 for their own reasons (a bad token); only
            // guarded routes are judged on denial.
            if should && was_denied && !matches!(route.access, Access::Public) {
                failures.push(format!(
                    "{} {} refused {persona:?} ({}) but its rule {:?} admits them",
                    route.method, route.path, res.status, route.access
                ));
            }
            if !should && !was_denied {
                failures.push(format!(
                    "{} {} admitted {persona:?} ({}) but its rule {:?} does not",
                    route.method, route.path, res.status, route.access
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems in {checked} calls:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn another_users_token_is_not_found_rather_than_forbidden() {
    let app = spawn_app().await;
    let owner = app.user("owner@example.org", Role::Client).await;
    let other = app.user("other@example.org", Role::Client).await;
    let t = app
        .state
        .store
        .create_api_token(&owner.id, "x", &token_hash("s1"), 86_400_000)
        .await
        .unwrap();
    let mut c = app.session_client(&other, SessionLevel::Password).await;
    let res = c
        .json(Method::DELETE, &format!("/api/v1/me/tokens/{}", t.id), None)
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.state.store.api_tokens(&owner.id).await.unwrap().len(),
        1,
        "nothing changed"
    );
}

/// Puts the walk's relationship in `status` (a test-only shortcut around the rules, so
/// every call on a care route finds something to act on).
async fn set_care(app: &TestApp, care: &str, status: &str) {
    app.state
        .store
        .raw_execute(
            "UPDATE care_relationships SET status = $1, ended_by = NULL WHERE id = $2",
            &[status.into(), care.into()],
        )
        .await
        .unwrap();
}
