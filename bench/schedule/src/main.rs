//! Scheduling benchmarks.
//!
//! `bench-schedule slots` (in memory, no database): how long `Availability::slots` takes
//! for a whole year of a therapist's hours — Mon–Fri 09:00–12:00 and 13:00–17:00, a few
//! day overrides and spans of time off, about 1,000 existing bookings — for 50-minute
//! sessions with a 10-minute buffer and starts every 30 minutes, in Europe/Berlin and
//! America/New_York; and what the check made inside the booking turn costs.
//!
//! `bench-schedule book sqlite|postgres` (a fresh SQLite file in a temp dir, or a fresh
//! PostgreSQL database that is dropped afterwards): the real `Store::book`, with the check
//! the server makes inside the booking turn (a copy of the private
//! `rapport_server::scheduling::verify`: `Availability::offers` over the busy spans the
//! store passes in, and the client's own sessions), under contention:
//!
//! - 1,000 bookings one at a time (the existing bookings of the "year" therapist);
//! - a year of slots as the server lists them (`busy_spans` + `slots`) on that therapist;
//! - "same slot": 100 tasks race for one start, per round; exactly one must win;
//! - "many slots": 64 workers book distinct free slots of one therapist for a few seconds.
//!
//! Availability is saved through the store's own methods and read back the way
//! `rapport_server::scheduling::load` reads it.

use anyhow::{bail, ensure, Context, Result};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use clap::{Parser, Subcommand, ValueEnum};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rapport_core::schedule::slots::{
    Availability, DayOverride, SessionType, Span, Window, JUST_TAKEN,
};
use rapport_core::schedule::zone;
use rapport_core::time::{from_millis, to_millis};
use rapport_core::{DisplayName, Email, Pronouns, Role, TimeZoneName, UserId};
use rapport_store::schedule::{Booked, Busy, NewBooking, Occurrence, Settings};
use rapport_store::users::{NewUser, User};
use rapport_store::{Backend, Store, StoreError};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// 50-minute sessions with a 10-minute buffer after each.
const FIFTY: (i64, i64, i64) = (50, 0, 10);

/// Mon–Fri 09:00–12:00 and 13:00–17:00, as (weekday 0 = Monday, start, end) minutes.
fn office_hours() -> Vec<(i64, i64, i64)> {
    (0..5)
        .flat_map(|d| [(d, 9 * 60, 12 * 60), (d, 13 * 60, 17 * 60)])
        .collect()
}

/// Round the clock, every day: the therapist the throughput run books, so that a few
/// seconds of bookings do not run out of free slots within the 366-day horizon (about
/// 8,700 distinct 50-minute sessions with their buffers).
fn all_hours() -> Vec<(i64, i64, i64)> {
    (0..7).map(|d| (d, 0, 24 * 60)).collect()
}

#[derive(Parser)]
#[command(about = "Scheduling benchmarks: slot generation and booking under contention")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Slot generation for a year of availability, in memory.
    Slots {
        /// Timed calls per row (after a tenth as many for warm-up).
        #[arg(long, default_value_t = 300)]
        iterations: usize,
        /// Existing bookings spread over the year.
        #[arg(long, default_value_t = 1000)]
        bookings: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Booking through `Store::book` on a fresh database, under contention.
    Book {
        #[arg(value_enum)]
        backend: Which,
        /// A PostgreSQL server (any database on it); a fresh database is created on it
        /// and dropped afterwards.
        #[arg(long, env = "RAPPORT_TEST_POSTGRES_URL")]
        postgres_url: Option<String>,
        /// Where the SQLite file's temp dir goes (default: the system temp dir).
        #[arg(long)]
        sqlite_dir: Option<PathBuf>,
        /// Bookings of the "year" therapist made one at a time before the races.
        #[arg(long, default_value_t = 1000)]
        bookings: usize,
        /// Year-long slot listings timed (busy_spans + slots).
        #[arg(long, default_value_t = 100)]
        listings: usize,
        /// Tasks racing for one start in each "same slot" round.
        #[arg(long, default_value_t = 100)]
        tasks: usize,
        /// "Same slot" rounds, each on a different start.
        #[arg(long, default_value_t = 10)]
        rounds: usize,
        /// Concurrent workers of the "many slots" run.
        #[arg(long, default_value_t = 64)]
        workers: usize,
        /// Length of the "many slots" run in seconds (it also stops when free slots run out).
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    Sqlite,
    Postgres,
}

// ---------------------------------------------------------------------------------------
// Statistics and formatting

fn pct(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: std::time::Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn us(d: std::time::Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

fn thousands(n: usize) -> String {
    let digits = n.to_string().into_bytes();
    let groups: Vec<String> = digits
        .rchunks(3)
        .rev()
        .map(|g| String::from_utf8_lossy(g).into_owned())
        .collect();
    groups.join(",")
}

// ---------------------------------------------------------------------------------------
// The rules, as the server applies them

/// `rapport_server::scheduling::kind_of`.
fn kind_of(t: &rapport_store::schedule::SessionType) -> SessionType {
    SessionType {
        minutes: t.minutes.clamp(1, 24 * 60) as u32,
        buffer_before: t.buffer_before.clamp(0, 24 * 60) as u32,
        buffer_after: t.buffer_after.clamp(0, 24 * 60) as u32,
    }
}

/// The server's in-turn check (`Availability::check_starts`) over the spans the store read.
fn verify(
    a: &Availability,
    kind: &SessionType,
    starts: &[DateTime<Utc>],
    now: DateTime<Utc>,
    busy: &Busy,
) -> Result<(), String> {
    a.check_starts(
        kind,
        starts,
        now,
        &Span::from_millis_pairs(&busy.therapist),
        &Span::from_millis_pairs(&busy.client),
    )
}

/// A few dates with other hours (days off, a short day, a Saturday, a long day), as
/// (date, window) rows the way the store keeps them: `None` is the whole day off.
fn override_rows(today: NaiveDate) -> Vec<(NaiveDate, Option<(i64, i64)>)> {
    let d = |n: i64| today + Duration::days(n);
    vec![
        (d(14), None),
        (d(28), Some((9 * 60, 12 * 60))),
        (d(29), None),
        (d(95), Some((10 * 60, 14 * 60))),
        (d(150), Some((13 * 60, 19 * 60))),
        (d(200), None),
    ]
}

/// Time off: a week, three weeks in summer, and a day-long conference from noon to noon.
fn time_off_spans(zone: Tz, today: NaiveDate) -> Vec<Span> {
    let at = |n: i64| zone::start_of_day(zone, today + Duration::days(n));
    vec![
        Span::new(at(30), at(37)),
        Span::new(at(120) + Duration::hours(12), at(121) + Duration::hours(12)),
        Span::new(at(220), at(241)),
    ]
}

/// The year-long availability of the in-memory benchmark, built directly.
fn year_availability(zone: Tz, today: NaiveDate) -> Availability {
    let mut overrides: Vec<DayOverride> = Vec::new();
    for (date, window) in override_rows(today) {
        overrides.push(DayOverride {
            date,
            windows: window
                .map(|(s, e)| (s as u16, e as u16))
                .into_iter()
                .collect(),
        });
    }
    Availability {
        zone,
        weekly: office_hours()
            .into_iter()
            .map(|(d, s, e)| Window {
                weekday: weekday(d),
                start: s as u16,
                end: e as u16,
            })
            .collect(),
        overrides,
        time_off: time_off_spans(zone, today),
        min_notice_minutes: 24 * 60,
        horizon_days: 366,
        step_minutes: 30,
    }
}

fn weekday(n: i64) -> Weekday {
    Weekday::try_from(n.clamp(0, 6) as u8).unwrap_or(Weekday::Mon)
}

/// Up to `n` starts of free slots in the next year, none overlapping another with its
/// buffer, drawn at random: bookings spread over the year as they would be.
fn spread_bookings(
    a: &Availability,
    kind: &SessionType,
    busy: &[Span],
    now: DateTime<Utc>,
    from: DateTime<Utc>,
    n: usize,
    rng: &mut StdRng,
) -> Vec<DateTime<Utc>> {
    let mut free = a.slots(kind, busy, now, from, now + Duration::days(365));
    free.shuffle(rng);
    let mut taken: Vec<Span> = Vec::with_capacity(n);
    let mut starts = Vec::with_capacity(n);
    for s in free {
        if starts.len() == n {
            break;
        }
        let p = kind.padded(s);
        if !taken.iter().any(|t| t.overlaps(&p)) {
            taken.push(p);
            starts.push(s);
        }
    }
    starts.sort();
    starts
}

// ---------------------------------------------------------------------------------------
// Part 1: slot generation in memory

fn bench_slots(iterations: usize, bookings: usize, seed: u64) -> Result<()> {
    let kind = SessionType {
        minutes: FIFTY.0 as u32,
        buffer_before: FIFTY.1 as u32,
        buffer_after: FIFTY.2 as u32,
    };
    // A fixed "now", so every run computes the same year.
    let now = Utc
        .with_ymd_and_hms(2026, 11, 26, 8, 0, 0)
        .single()
        .context("now")?;
    let until = now + Duration::days(365);
    println!(
        "\nSlot generation for a year: `availability.slots(kind, &busy, now, now, now + 365 days)`, \
         now = {now}, 50-minute sessions + 10-minute buffer, step 30 minutes, 24 h notice; \
         {iterations} timed calls per row after {} warm-up, seed {seed}.\n",
        iterations / 10
    );
    println!(
        "| zone | existing bookings (busy spans) | calls | p50 (ms) | p95 (ms) | slots produced |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let mut offers_rows = Vec::new();
    for zone in [chrono_tz::Europe::Berlin, chrono_tz::America::New_York] {
        let today = now.with_timezone(&zone).date_naive();
        let a = year_availability(zone, today);
        let mut rng = StdRng::seed_from_u64(seed);
        let starts = spread_bookings(&a, &kind, &[], now, now, bookings, &mut rng);
        ensure!(
            starts.len() == bookings,
            "only {} non-overlapping bookings fit in a year",
            starts.len()
        );
        let busy: Vec<Span> = starts.iter().map(|s| kind.padded(*s)).collect();
        for busy in [&[][..], &busy[..]] {
            let mut times = Vec::with_capacity(iterations);
            let mut produced = 0;
            for i in 0..iterations + iterations / 10 {
                let t = Instant::now();
                let got = black_box(a.slots(&kind, black_box(busy), now, now, until));
                let elapsed = t.elapsed();
                produced = got.len();
                if i >= iterations / 10 {
                    times.push(elapsed);
                }
            }
            times.sort();
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                zone.name(),
                thousands(busy.len()),
                thousands(iterations),
                ms(pct(&times, 0.5)),
                ms(pct(&times, 0.95)),
                thousands(produced)
            );
        }

        // The check inside the booking turn: `offers` for one start, over the spans the
        // store passes in (the therapist's bookings overlapping the new one with buffers)
        // and, for comparison, over the whole year's.
        let free = a.slots(&kind, &busy, now, now, until);
        let picks: Vec<DateTime<Utc>> = free.choose_multiple(&mut rng, 2000).copied().collect();
        let (mut near_t, mut all_t) = (Vec::new(), Vec::new());
        for s in picks.iter().cycle().take(5 * picks.len()) {
            let p = kind.padded(*s);
            let near: Vec<Span> = busy
                .iter()
                .filter(|b| b.end > p.start && b.start < p.end)
                .copied()
                .collect();
            let t = Instant::now();
            let ok = black_box(a.offers(&kind, black_box(&near), now, *s));
            near_t.push(t.elapsed());
            let t = Instant::now();
            let ok_all = black_box(a.offers(&kind, black_box(&busy), now, *s));
            all_t.push(t.elapsed());
            ensure!(ok && ok_all, "a free slot was not offered: {s}");
        }
        near_t.sort();
        all_t.sort();
        offers_rows.push((zone, near_t.len(), near_t, all_t));
    }
    println!("\n| `offers` for one free start (the check in the booking turn) | zone | calls | p50 (µs) | p95 (µs) |");
    println!("|---|---|---:|---:|---:|");
    for (zone, n, near, all) in &offers_rows {
        println!(
            "| over the spans the store passes in (bookings overlapping the new one) | {} | {} | {} | {} |",
            zone.name(),
            thousands(*n),
            us(pct(near, 0.5)),
            us(pct(near, 0.95))
        );
        println!(
            "| over all {} busy spans of the year | {} | {} | {} | {} |",
            thousands(bookings),
            zone.name(),
            thousands(*n),
            us(pct(all, 0.5)),
            us(pct(all, 0.95))
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Part 2: booking on a database

/// Where the fresh database lives, to remove it afterwards.
enum Fresh {
    Dir(PathBuf),
    Postgres { server: String, name: String },
}

async fn fresh_store(
    which: Which,
    postgres_url: Option<&str>,
    sqlite_dir: Option<PathBuf>,
) -> Result<(Store, Fresh)> {
    match which {
        Which::Sqlite => {
            let dir = sqlite_dir.unwrap_or_else(std::env::temp_dir).join(format!(
                "rapport-bench-schedule-{}",
                rapport_store::new_id()
            ));
            std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
            let url = format!("sqlite://{}", dir.join("rapport.db").display());
            match Store::open(&url).await {
                Ok(store) => Ok((store, Fresh::Dir(dir))),
                Err(e) => {
                    remove(Fresh::Dir(dir)).await;
                    Err(e).context("open SQLite store")
                }
            }
        }
        Which::Postgres => {
            // As rapport_store::testing::fresh_postgres does, but dropped afterwards.
            let server = postgres_url
                .filter(|s| !s.is_empty())
                .context("PostgreSQL needs --postgres-url or RAPPORT_TEST_POSTGRES_URL")?
                .to_string();
            let admin = Store::connect(&server)
                .await
                .context("connect to PostgreSQL")?;
            let name = format!(
                "bench_schedule_{}",
                rapport_store::new_id().replace('-', "")
            );
            sqlx_execute(&admin, &format!("CREATE DATABASE {name}")).await?;
            admin.close().await;
            let mut url = url::Url::parse(&server).context("PostgreSQL URL")?;
            url.set_path(&name);
            let fresh = Fresh::Postgres { server, name };
            match Store::open(url.as_str()).await {
                Ok(store) => Ok((store, fresh)),
                Err(e) => {
                    remove(fresh).await;
                    Err(e).context("open PostgreSQL store")
                }
            }
        }
    }
}

/// One statement on an administrative connection (creating and dropping databases).
async fn sqlx_execute(store: &Store, sql: &str) -> Result<()> {
    sqlx::query(sql)
        .execute(store.pool())
        .await
        .with_context(|| format!("run {sql}"))?;
    Ok(())
}

async fn remove(fresh: Fresh) {
    match fresh {
        Fresh::Dir(dir) => {
            let _ = std::fs::remove_dir_all(dir);
        }
        Fresh::Postgres { server, name } => {
            if let Ok(admin) = Store::connect(&server).await {
                if let Err(e) = sqlx_execute(
                    &admin,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                )
                .await
                {
                    eprintln!("could not drop {name}: {e:#}");
                }
                admin.close().await;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Part 2: people, availability and the booking call

async fn person(store: &Store, email: &str, name: &str, zone: &str, role: Role) -> Result<User> {
    let email = Email::parse(email)?;
    Ok(store
        .create_user(NewUser {
            email: &email,
            password_hash: "$argon2id$bench-placeholder".into(),
            display_name: &DisplayName::parse(name)?,
            pronouns: &Pronouns::parse(None)?,
            time_zone: &TimeZoneName::parse(zone)?,
            role,
            email_verified: true,
        })
        .await?)
}

/// A therapist with what the booking check needs, read back from the store.
struct Therapist {
    user: User,
    session_type: String,
    kind: SessionType,
    availability: Availability,
}

/// Creates a therapist and saves their availability through the store's own methods:
/// settings (24 h notice, 366 days ahead, starts every 30 minutes), weekly hours,
/// optionally the overrides and time off of the year benchmark, and one session type of
/// 50 minutes with a 10-minute buffer.
async fn therapist(
    store: &Store,
    email: &str,
    zone: &str,
    hours: &[(i64, i64, i64)],
    extras: bool,
) -> Result<Therapist> {
    let user = person(store, email, "Bench Therapist", zone, Role::Therapist).await?;
    store
        .save_schedule_settings(&Settings {
            therapist_id: user.id.as_str().to_string(),
            min_notice_minutes: 24 * 60,
            horizon_days: 366,
            step_minutes: 30,
            free_cancel_hours: 24,
        })
        .await?;
    store.replace_weekly_hours(&user.id, hours).await?;
    if extras {
        let tz = user.time_zone().tz();
        let today = Utc::now().with_timezone(&tz).date_naive();
        for (date, window) in override_rows(today) {
            store
                .add_day_override(&user.id, &date.format("%Y-%m-%d").to_string(), window)
                .await?;
        }
        for span in time_off_spans(tz, today) {
            store
                .add_time_off(&user.id, to_millis(span.start), to_millis(span.end))
                .await?;
        }
    }
    let session_type = store
        .add_session_type(&user.id, "Individual session", FIFTY.0, FIFTY.1, FIFTY.2)
        .await?;
    let stored = store
        .session_type(&session_type)
        .await?
        .context("session type just added")?;
    let availability = load_availability(store, &user).await?;
    Ok(Therapist {
        kind: kind_of(&stored),
        user,
        session_type,
        availability,
    })
}

/// A therapist's availability as `rapport_server::scheduling::load` builds it.
async fn load_availability(store: &Store, user: &User) -> Result<Availability> {
    let settings = store
        .schedule_settings(&user.id)
        .await?
        .unwrap_or_else(|| Settings::defaults(&user.id));
    let weekly = store
        .weekly_hours(&user.id)
        .await?
        .into_iter()
        .map(|h| Window {
            weekday: weekday(h.weekday),
            start: h.start_minute.clamp(0, 1440) as u16,
            end: h.end_minute.clamp(0, 1440) as u16,
        })
        .collect();
    let mut overrides: Vec<DayOverride> = Vec::new();
    for o in store.day_overrides(&user.id).await? {
        let Ok(d) = NaiveDate::parse_from_str(&o.day, "%Y-%m-%d") else {
            continue;
        };
        let i = match overrides.iter().position(|x| x.date == d) {
            Some(i) => i,
            None => {
                overrides.push(DayOverride {
                    date: d,
                    windows: Vec::new(),
                });
                overrides.len() - 1
            }
        };
        if let (Some(s), Some(e)) = (o.start_minute, o.end_minute) {
            overrides[i]
                .windows
                .push((s.clamp(0, 1440) as u16, e.clamp(0, 1440) as u16));
        }
    }
    let time_off = store
        .time_off(&user.id)
        .await?
        .into_iter()
        .map(|t| Span::new(from_millis(t.starts_at), from_millis(t.ends_at)))
        .collect();
    Ok(Availability {
        zone: user.time_zone().tz(),
        weekly,
        overrides,
        time_off,
        min_notice_minutes: settings.min_notice_minutes.clamp(0, 60 * 24 * 60) as u32,
        horizon_days: settings.horizon_days.clamp(1, 366) as u32,
        step_minutes: settings.step_minutes.clamp(5, 240) as u32,
    })
}

/// Everything one booking needs; cheap to clone into tasks.
#[derive(Clone)]
struct Booker {
    store: Store,
    therapist: UserId,
    session_type: Arc<str>,
    kind: SessionType,
    availability: Arc<Availability>,
}

impl Booker {
    fn new(store: &Store, t: &Therapist) -> Self {
        Self {
            store: store.clone(),
            therapist: t.user.id.clone(),
            session_type: t.session_type.as_str().into(),
            kind: t.kind,
            availability: Arc::new(t.availability.clone()),
        }
    }

    /// One session booked as `rapport_server::scheduling::book` books it from the store
    /// call on: `Store::book` with the server's check run inside the booking turn.
    async fn book(&self, client: &UserId, start: DateTime<Utc>) -> Result<Booked, StoreError> {
        let starts = [start];
        let occurrences = [Occurrence::of(&self.kind, start)];
        let now = Utc::now();
        self.store
            .book(
                NewBooking {
                    therapist: &self.therapist,
                    client,
                    session_type: &self.session_type,
                    occurrences: &occurrences,
                    free_cancel_hours: 24,
                    party: "client",
                    actor: client,
                },
                |busy| verify(&self.availability, &self.kind, &starts, now, busy),
            )
            .await
    }
}

/// How booking attempts ended.
#[derive(Default)]
struct Tally {
    done: usize,
    just_taken: usize,
    refused: usize,
    conflict: usize,
    errors: usize,
    first_problem: Option<String>,
}

impl Tally {
    fn add(&mut self, r: &Result<Booked, StoreError>) {
        match r {
            Ok(Booked::Done(_)) => self.done += 1,
            Ok(Booked::Refused(why)) if why == JUST_TAKEN => self.just_taken += 1,
            Ok(Booked::Refused(why)) => {
                self.refused += 1;
                self.first_problem
                    .get_or_insert_with(|| format!("refused: {why}"));
            }
            // The unique index caught what the turn should have prevented.
            Err(StoreError::Conflict(_)) => {
                self.conflict += 1;
                self.first_problem
                    .get_or_insert_with(|| "unique index conflict".into());
            }
            Err(e) => {
                self.errors += 1;
                self.first_problem
                    .get_or_insert_with(|| format!("error: {e}"));
            }
        }
    }

    fn merge(&mut self, o: Tally) {
        self.done += o.done;
        self.just_taken += o.just_taken;
        self.refused += o.refused;
        self.conflict += o.conflict;
        self.errors += o.errors;
        if self.first_problem.is_none() {
            self.first_problem = o.first_problem;
        }
    }

    fn failed(&self) -> usize {
        self.refused + self.conflict + self.errors
    }
}

/// Free slots of the next year from `from`, packed as tightly as the rules allow (each
/// the first free start after the previous session and its buffer): the most distinct
/// bookings one therapist can take.
fn packed(a: &Availability, kind: &SessionType, from: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let now = Utc::now();
    let mut out: Vec<DateTime<Utc>> = Vec::new();
    let mut free_from = from;
    for s in a.slots(kind, &[], now, from, now + Duration::days(365)) {
        if kind.padded(s).start >= free_from {
            out.push(s);
            free_from = kind.padded(s).end;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Part 2: the runs

struct BookArgs {
    bookings: usize,
    listings: usize,
    tasks: usize,
    rounds: usize,
    workers: usize,
    seconds: f64,
    seed: u64,
}

async fn bench_book(
    which: Which,
    postgres_url: Option<String>,
    sqlite_dir: Option<PathBuf>,
    args: BookArgs,
) -> Result<()> {
    let (store, fresh) = fresh_store(which, postgres_url.as_deref(), sqlite_dir).await?;
    let result = run_book(&store, &args).await;
    store.close().await;
    remove(fresh).await;
    result
}

async fn run_book(store: &Store, args: &BookArgs) -> Result<()> {
    let name = store.backend().name();
    let pool = match store.backend() {
        Backend::Sqlite => "8 connections, WAL, `BEGIN IMMEDIATE`",
        Backend::Postgres => "16 connections, read committed, turn = row lock",
    };
    let mut rng = StdRng::seed_from_u64(args.seed);
    let year = therapist(
        store,
        "year@bench.example",
        "Europe/Berlin",
        &office_hours(),
        true,
    )
    .await?;
    let busy_one = therapist(
        store,
        "many@bench.example",
        "America/New_York",
        &all_hours(),
        false,
    )
    .await?;
    let mut clients = Vec::new();
    for i in 0..args.tasks.max(1) {
        let zone = ["America/New_York", "Europe/Berlin", "America/Chicago"][i % 3];
        clients.push(
            person(
                store,
                &format!("client-{i}@bench.example"),
                "Bench Client",
                zone,
                Role::Client,
            )
            .await?,
        );
    }
    let mut worker_clients = Vec::new();
    for i in 0..args.workers.max(1) {
        worker_clients.push(
            person(
                store,
                &format!("worker-{i}@bench.example"),
                "Bench Client",
                "America/New_York",
                Role::Client,
            )
            .await?,
        );
    }
    println!("\n#### {name} (pool of {pool}; seed {})\n", args.seed);

    // One at a time: the "year" therapist's existing bookings, in random order.
    let year_booker = Booker::new(store, &year);
    let now = Utc::now();
    let mut starts = spread_bookings(
        &year.availability,
        &year.kind,
        &[],
        now,
        now + Duration::days(2),
        args.bookings,
        &mut rng,
    );
    ensure!(
        starts.len() == args.bookings,
        "only {} non-overlapping bookings fit in the year",
        starts.len()
    );
    starts.shuffle(&mut rng);
    let mut one = Vec::with_capacity(starts.len());
    let t = Instant::now();
    for (i, s) in starts.iter().enumerate() {
        let t = Instant::now();
        let r = year_booker
            .book(&clients[i % clients.len()].id.clone(), *s)
            .await;
        one.push(t.elapsed());
        if !matches!(r, Ok(Booked::Done(_))) {
            bail!("booking {s} one at a time: {r:?}");
        }
    }
    let one_total = t.elapsed();
    one.sort();
    // What the server's housekeeping does every so often (statistics for the planner).
    store.optimize().await?;

    // A year of slots as the server lists them: busy_spans, then slots.
    let (mut list_all, mut list_read) = (Vec::new(), Vec::new());
    let (mut rows, mut produced) = (0, 0);
    for i in 0..args.listings + args.listings / 10 {
        let now = Utc::now();
        let until = now + Duration::days(365);
        let t = Instant::now();
        let busy = store
            .busy_spans(
                &year.user.id,
                to_millis(now - Duration::days(1)),
                to_millis(until + Duration::days(1)),
                None,
            )
            .await?;
        let read = t.elapsed();
        let got =
            year.availability
                .slots(&year.kind, &Span::from_millis_pairs(&busy), now, now, until);
        let all = t.elapsed();
        if i >= args.listings / 10 {
            list_read.push(read);
            list_all.push(all);
        }
        rows = busy.len();
        produced = black_box(got).len();
    }
    list_read.sort();
    list_all.sort();

    // Same slot: `tasks` clients race for one free start of the "year" therapist.
    let now = Utc::now();
    let busy_now = Span::from_millis_pairs(
        &store
            .busy_spans(
                &year.user.id,
                to_millis(now - Duration::days(1)),
                to_millis(now + Duration::days(367)),
                None,
            )
            .await?,
    );
    let race_starts = spread_bookings(
        &year.availability,
        &year.kind,
        &busy_now,
        now,
        now + Duration::days(2),
        args.rounds,
        &mut rng,
    );
    ensure!(
        race_starts.len() == args.rounds,
        "not enough free slots to race for"
    );
    let mut race = Tally::default();
    let (mut totals, mut attempts) = (Vec::new(), Vec::new());
    for start in race_starts {
        let barrier = Arc::new(tokio::sync::Barrier::new(args.tasks + 1));
        let handles: Vec<_> = (0..args.tasks)
            .map(|k| {
                let b = year_booker.clone();
                let client = clients[k].id.clone();
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    let t = Instant::now();
                    let r = b.book(&client, start).await;
                    (r, t.elapsed())
                })
            })
            .collect();
        barrier.wait().await;
        let t = Instant::now();
        let mut round = Tally::default();
        for h in handles {
            let (r, d) = h.await.context("racing task panicked")?;
            round.add(&r);
            attempts.push(d);
        }
        totals.push(t.elapsed());
        ensure!(
            round.done == 1,
            "{} of {} racing bookings of {start} succeeded ({:?})",
            round.done,
            args.tasks,
            round.first_problem
        );
        let live = store
            .appointments_of(&year.user.id, to_millis(start), to_millis(start) + 1)
            .await?
            .iter()
            .filter(|a| a.status == "booked")
            .count();
        ensure!(live == 1, "{live} live bookings at {start} after the race");
        race.merge(round);
    }
    totals.sort();
    attempts.sort();

    // Many slots: `workers` clients book distinct free slots of one therapist.
    let many_booker = Booker::new(store, &busy_one);
    let mut free = packed(
        &busy_one.availability,
        &busy_one.kind,
        Utc::now() + Duration::days(2),
    );
    free.shuffle(&mut rng);
    let free = Arc::new(free);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + std::time::Duration::from_secs_f64(args.seconds);
    let handles: Vec<_> = worker_clients
        .iter()
        .map(|c| {
            let (b, client, free, next) = (
                many_booker.clone(),
                c.id.clone(),
                free.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                let (mut times, mut tally) = (Vec::new(), Tally::default());
                while Instant::now() < deadline {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(start) = free.get(i) else { break };
                    let t = Instant::now();
                    let r = b.book(&client, *start).await;
                    times.push((started.elapsed(), t.elapsed()));
                    tally.add(&r);
                }
                (times, tally)
            })
        })
        .collect();
    let (mut many, mut many_tally) = (Vec::new(), Tally::default());
    for h in handles {
        let (times, tally) = h.await.context("booking worker panicked")?;
        many.extend(times);
        many_tally.merge(tally);
    }
    let many_elapsed = started.elapsed();
    let ran_out = next.load(Ordering::Relaxed) >= free.len();
    // Throughput in the first and the last second: the therapist's live bookings grow
    // during the run, and every booking reads them inside the turn.
    let second = std::time::Duration::from_secs(1);
    let done_within = |lo: std::time::Duration, hi: std::time::Duration| {
        many.iter().filter(|(at, _)| *at >= lo && *at < hi).count()
    };
    let first_second = done_within(std::time::Duration::ZERO, second);
    let window = std::time::Duration::from_secs_f64(args.seconds).min(many_elapsed);
    let last_second = done_within(window.saturating_sub(second), window);
    let mut lat: Vec<_> = many.iter().map(|x| x.1).collect();
    lat.sort();

    println!("| {name}: booking through `Store::book` + the server's check | attempts | booked | per second | p50 (ms) | p95 (ms) | p99 (ms) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| one at a time: {} bookings of one therapist spread over a year, random order | {} | {} | {:.0} | {} | {} | {} |",
        thousands(args.bookings),
        thousands(one.len()),
        thousands(one.len()),
        one.len() as f64 / one_total.as_secs_f64(),
        ms(pct(&one, 0.5)),
        ms(pct(&one, 0.95)),
        ms(pct(&one, 0.99))
    );
    println!(
        "| many slots: {} workers booking distinct free slots of one therapist, {:.1} s{} | {} | {} | {:.0} | {} | {} | {} |",
        args.workers,
        many_elapsed.as_secs_f64(),
        if ran_out { " (ran out of free slots)" } else { "" },
        thousands(many.len()),
        thousands(many_tally.done),
        many_tally.done as f64 / many_elapsed.as_secs_f64(),
        ms(pct(&lat, 0.5)),
        ms(pct(&lat, 0.95)),
        ms(pct(&lat, 0.99))
    );
    println!(
        "\nMany slots: {} distinct free slots of the therapist (every day 00:00–24:00, New York) \
         at the start; bookings finished in the first second: {}, in the last second before the deadline: {} \
         (the therapist then had {} live bookings).",
        thousands(free.len()),
        thousands(first_second),
        thousands(last_second),
        thousands(many_tally.done)
    );
    if many_tally.failed() > 0 {
        println!(
            "\n**{} of the many-slot bookings failed** ({} refused, {} unique-index conflicts, {} errors); first: {}",
            many_tally.failed(),
            many_tally.refused + many_tally.just_taken,
            many_tally.conflict,
            many_tally.errors,
            many_tally.first_problem.as_deref().unwrap_or("?")
        );
    }
    println!(
        "\n| {name}: same slot, {} tasks race for one start ({} rounds) | booked per round | refused \"just taken\" | other refusals / conflicts / errors | whole race p50 (ms) | whole race max (ms) | per attempt p50 (ms) | per attempt p95 (ms) |",
        args.tasks, args.rounds
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| exactly one booked each round, and one live row at that start: checked | {} | {} | {} / {} / {} | {} | {} | {} | {} |",
        race.done / args.rounds.max(1),
        thousands(race.just_taken),
        race.refused,
        race.conflict,
        race.errors,
        ms(pct(&totals, 0.5)),
        ms(pct(&totals, 1.0)),
        ms(pct(&attempts, 0.5)),
        ms(pct(&attempts, 0.95))
    );
    println!(
        "\n| {name}: a year of slots as the server lists them, {} bookings | listings | p50 (ms) | p95 (ms) | of which `busy_spans` p50 (ms) | rows read | slots produced |",
        thousands(rows)
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| `busy_spans` (now − 1 day … now + 366 days) + `slots(now, now + 365 days)` | {} | {} | {} | {} | {} | {} |",
        thousands(list_all.len()),
        ms(pct(&list_all, 0.5)),
        ms(pct(&list_all, 0.95)),
        ms(pct(&list_read, 0.5)),
        thousands(rows),
        thousands(produced)
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Slots {
            iterations,
            bookings,
            seed,
        } => bench_slots(iterations, bookings, seed),
        Command::Book {
            backend,
            postgres_url,
            sqlite_dir,
            bookings,
            listings,
            tasks,
            rounds,
            workers,
            seconds,
            seed,
        } => {
            bench_book(
                backend,
                postgres_url,
                sqlite_dir,
                BookArgs {
                    bookings,
                    listings,
                    tasks,
                    rounds,
                    workers,
                    seconds,
                    seed,
                },
            )
            .await
        }
    }
}
