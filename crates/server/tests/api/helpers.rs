//! Test harness: a fresh app on a fresh database (SQLite, or PostgreSQL with
//! RAPPORT_TEST_BACKEND=postgres), and a client that keeps cookies and sends CSRF tokens
//! the way a browser page would.

use axum::body::{to_bytes, Body};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use rapport_core::{DisplayName, Email, Pronouns, Role, TimeZoneName};
use rapport_server::{AppState, Config};
use rapport_store::sessions::{NewSession, SessionLevel};
use rapport_store::token_hash;
use rapport_store::users::{NewUser, User};
pub use rapport_testkit::Stage;
use std::collections::HashMap;
use std::net::SocketAddr;
use tower::ServiceExt;

pub const BASE: &str = "http://rapport.test";
pub const STRONG: &str = "lantern orchard tuesday pebble";

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
}

pub async fn spawn_app() -> TestApp {
    let store = rapport_testkit::fresh_store().await;
    let data_dir = std::env::temp_dir().join(format!("rapport-app-{}", rapport_store::new_id()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let config = Config::new(url::Url::parse(BASE).unwrap(), data_dir.clone());
    let vault = test_vault(&config);
    let state = AppState::new(store, config, vault);
    TestApp {
        router: rapport_server::app(state.clone()),
        state,
    }
}

/// Keys generated in the config's data directory, as on a first start.
pub fn test_vault(config: &Config) -> rapport_vault::Vault {
    rapport_vault::Vault::from_files(&rapport_vault::KeyFiles::new(config.key_dir())).unwrap()
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A browser-like client: a cookie jar, the CSRF token echoed in forms and headers.
#[derive(Clone)]
pub struct Client {
    router: Router,
    pub jar: HashMap<String, String>,
    pub bearer: Option<String>,
    pub ip: [u8; 4],
}

impl TestApp {
    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            jar: HashMap::new(),
            bearer: None,
            ip: [127, 0, 0, 1],
        }
    }

    /// Delivers queued mail (as .eml files, no SMTP configured) and returns the bodies of
    /// those sent to `to`, oldest first.
    pub async fn mails_to(&self, to: &str) -> Vec<String> {
        rapport_server::platform::mail::deliver_due(&self.state)
            .await
            .unwrap();
        let dir = self.state.config.mail_dir();
        let mut mails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        let text = rapport_testkit::smtp::decode_quoted_printable(
                            &std::fs::read_to_string(e.path()).ok()?,
                        );
                        let modified = e.metadata().ok()?.modified().ok()?;
                        Some((modified, text))
                    })
                    .filter(|(_, t)| t.lines().any(|l| l.starts_with("To: ") && l.contains(to)))
                    .collect()
            })
            .unwrap_or_default();
        mails.sort_by_key(|(t, _)| *t);
        mails.into_iter().map(|(_, t)| t).collect()
    }

    /// The first link in the newest mail to `to` that starts with `prefix`.
    pub async fn link_in_mail(&self, to: &str, prefix: &str) -> String {
        let mails = self.mails_to(to).await;
        let start = format!("{BASE}{prefix}");
        mails
            .iter()
            .rev()
            .find_map(|m| {
                m.split_whitespace()
                    .find(|w| w.starts_with(&start))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| panic!("no {prefix} link in mail to {to}: {mails:?}"))
    }

    /// Creates an account directly in the store (fast; no e-mail round trip).
    pub async fn user(&self, email: &str, role: Role) -> User {
        static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        let hash = HASH
            .get_or_init(|| async {
                rapport_server::platform::auth::password::hash(STRONG.into())
                    .await
                    .unwrap()
            })
            .await;
        self.state
            .store
            .create_user(NewUser {
                email: &Email::parse(email).unwrap(),
                password_hash: hash.clone(),
                display_name: &DisplayName::parse(email.split('@').next().unwrap()).unwrap(),
                pronouns: &Pronouns::parse(None).unwrap(),
                time_zone: &TimeZoneName::parse("America/Chicago").unwrap(),
                role,
                email_verified: true,
            })
            .await
            .unwrap()
    }

    /// Turns TOTP on for `user` directly and returns the secret.
    pub async fn enable_totp(&self, user: &User) -> String {
        let secret = rapport_server::platform::auth::totp::new_secret();
        let sealed = self
            .state
            .seal_secret(rapport_vault::SecretAt::totp(user.id.as_str()), &secret)
            .await
            .unwrap();
        self.state
            .store
            .set_totp_pending(&user.id, &sealed)
            .await
            .unwrap();
        self.state
            .store
            .enable_totp(&user.id, 0, &[token_hash("aaaabbbbcccc")])
            .await
            .unwrap();
        secret
    }

    /// `user` as the auth layer sees them after a sign-in (a real session, looked up the
    /// way every request is): the only way to get an `Actor`, and with it an access context.
    pub async fn actor(&self, user: &User) -> rapport_server::platform::auth::Actor {
        let token = rapport_server::platform::auth::secrets::random_token();
        self.state
            .store
            .create_session(NewSession {
                user_id: &user.id,
                token_hash: &token_hash(&token),
                level: if user.role.requires_mfa() {
                    SessionLevel::Mfa
                } else {
                    SessionLevel::Password
                },
                idle_timeout_ms: 600_000,
                absolute_timeout_ms: 3_600_000,
                user_agent: Some("test"),
                ip: Some("127.0.0.1"),
            })
            .await
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            format!("{}={token}", rapport_server::platform::auth::SESSION_COOKIE)
                .parse()
                .unwrap(),
        );
        rapport_server::platform::auth::actor::identify(&self.state, &headers)
            .await
            .unwrap()
            .0
            .expect("a live session identifies its person")
    }

    /// A care relationship between `client` and `therapist` at `stage`; returns its id.
    pub async fn relate(&self, client: &User, therapist: &User, stage: Stage) -> String {
        rapport_testkit::relate_ids(&self.state.store, &client.id, &therapist.id, stage)
            .await
            .id
    }

    /// A client holding a fresh session of `user` at `level`, minted in the store.
    pub async fn session_client(&self, user: &User, level: SessionLevel) -> Client {
        let token = rapport_server::platform::auth::secrets::random_token();
        self.state
            .store
            .create_session(NewSession {
                user_id: &user.id,
                token_hash: &token_hash(&token),
                level,
                idle_timeout_ms: 600_000,
                absolute_timeout_ms: 3_600_000,
                user_agent: Some("test"),
                ip: Some("127.0.0.1"),
            })
            .await
            .unwrap();
        let mut c = self.client();
        c.jar
            .insert(rapport_server::platform::auth::SESSION_COOKIE.into(), token);
        c.jar.insert(
            rapport_server::platform::auth::CSRF_COOKIE.into(),
            rapport_server::platform::auth::secrets::random_token(),
        );
        c
    }
}

impl Client {
    pub fn csrf(&self) -> Option<String> {
        self.jar
            .get(rapport_server::platform::auth::CSRF_COOKIE)
            .cloned()
    }

    pub async fn send(&mut self, mut req: Request<Body>) -> TestResponse {
        let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !cookies.is_empty() {
            req.headers_mut()
                .insert(header::COOKIE, cookies.join("; ").parse().unwrap());
        }
        if let Some(b) = &self.bearer {
            req.headers_mut().insert(
                header::AUTHORIZATION,
                format!("Bearer {b}").parse().unwrap(),
            );
        }
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((self.ip, 40000))));
        let res = self.router.clone().oneshot(req).await.unwrap();
        for v in res.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_string(), value.to_string());
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// Posts a form the way a page would, with the CSRF token from the cookie.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        if self.csrf().is_none() {
            self.get("/").await;
        }
        let csrf = self.csrf().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(all)
            .finish();
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Sends JSON with the CSRF header (as the browser's own script would).
    pub async fn json(
        &mut self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> TestResponse {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = self.csrf() {
            b = b.header("x-csrf-token", t);
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    pub async fn raw(
        &mut self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> TestResponse {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, content_type);
        if let Some(t) = self.csrf() {
            b = b.header("x-csrf-token", t);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }
}

/// A route template with its parameters filled: `{id}` with `id`, `{key}` with a real
/// consent document.
pub fn concrete(path: &str, id: &str) -> String {
    path.replace("{id}", id)
        .replace("{key}", "messaging-policy")
}

/// The current TOTP code for a secret.
pub fn totp_now(secret: &str) -> String {
    let now = (rapport_store::now_ms() / 1000) as u64;
    rapport_server::platform::auth::totp::code_at(secret, now).unwrap()
}

/// A therapist ready to be booked: verified license for Texas, weekly hours every day
/// 08:00–20:00 in Chicago, a 50-minute session type with a 10-minute buffer after, and
/// the given minimum notice (hours). Returns the therapist and the session type's id.
pub async fn bookable_therapist(app: &TestApp, email: &str, notice_hours: i64) -> (User, String) {
    let therapist = app.user(email, Role::Therapist).await;
    let store = &app.state.store;
    let admin = app.user(&format!("verifier.{}", email), Role::Admin).await;
    let l = store
        .add_license(
            &therapist.id,
            rapport_store::directory::NewLicense {
                license_type: "psychologist",
                number: "PSY-1",
                country: "US",
                region: Some("TX"),
                issued_on: "2020-01-01",
                expires_on: "2099-01-01",
            },
        )
        .await
        .unwrap();
    store
        .decide_license(&l.id, &admin.id, true, "registry_lookup", None)
        .await
        .unwrap();
    store
        .save_profile(
            &therapist.id,
            &therapist.display_name,
            &rapport_store::directory::ProfileInput {
                short_intro: "Practical help.".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut settings = rapport_store::schedule::Settings::defaults(&therapist.id);
    settings.min_notice_minutes = notice_hours * 60;
    settings.horizon_days = 60;
    settings.step_minutes = 60;
    store.save_schedule_settings(&settings).await.unwrap();
    let hours: Vec<(i64, i64, i64)> = (0..7).map(|d| (d, 8 * 60, 20 * 60)).collect();
    store
        .replace_weekly_hours(&therapist.id, &hours)
        .await
        .unwrap();
    let kind = store
        .add_session_type(&therapist.id, "Session", 50, 0, 10)
        .await
        .unwrap();
    (therapist, kind)
}

/// A client who may book: located in Texas, with the booking consents signed.
pub async fn ready_client(app: &TestApp, email: &str) -> User {
    let client = app.user(email, Role::Client).await;
    app.state
        .store
        .set_location(&client.id, "US", Some("TX"))
        .await
        .unwrap();
    for key in ["informed-consent", "privacy-notice"] {
        rapport_server::privacy::consent::sign(&app.state, &client.id, key, "A Client", None)
            .await
            .unwrap();
    }
    client
}

/// Writes an appointment straight into the store (no scheduling rules), starting at
/// `start_ms` for 50 minutes: for tests that need sessions in the past or many of them.
pub async fn appointment_at(
    app: &TestApp,
    therapist: &User,
    client: &User,
    kind: &str,
    start_ms: i64,
) -> String {
    let occ = rapport_store::schedule::Occurrence {
        starts_at: start_ms,
        ends_at: start_ms + 50 * 60_000,
        busy_from: start_ms,
        busy_until: start_ms + 60 * 60_000,
    };
    match app
        .state
        .store
        .book(
            rapport_store::schedule::NewBooking {
                therapist: &therapist.id,
                client: &client.id,
                session_type: kind,
                occurrences: &[occ],
                free_cancel_hours: 24,
                party: "client",
                actor: &client.id,
            },
            |_| Ok(()),
        )
        .await
        .unwrap()
    {
        rapport_store::schedule::Booked::Done(ids) => ids[0].clone(),
        other => panic!("not booked: {other:?}"),
    }
}
