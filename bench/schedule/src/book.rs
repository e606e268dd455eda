//! Part 2: booking on a fresh database — the people, bookings one at a time, a year of
//! slots as the server lists them, the two contention runs (`races`), and the tables.

use crate::booker::{person, therapist, Booker, Tally};
use crate::fresh::{app_state, fresh_store, remove};
use crate::races::{many_slots, same_slot, ManySlots, SameSlot};
use crate::report::{ms, pct, thousands};
use crate::year::{all_hours, office_hours, spread_bookings};
use crate::Which;
use anyhow::{bail, ensure, Result};
use chrono::{Duration, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rapport_core::schedule::slots::Span;
use rapport_core::time::to_millis;
use rapport_core::Role;
use rapport_server::platform::state::AppState;
use rapport_server::scheduling::availability::offered;
use rapport_store::schedule::Booked;
use rapport_store::users::User;
use rapport_store::Backend;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

pub struct BookArgs {
    pub bookings: usize,
    pub listings: usize,
    pub tasks: usize,
    pub rounds: usize,
    pub workers: usize,
    pub seconds: f64,
    pub seed: u64,
}

/// Runs every booking benchmark on a fresh database of `which`, then removes it.
pub async fn bench_book(
    which: Which,
    postgres_url: Option<String>,
    sqlite_dir: Option<PathBuf>,
    args: BookArgs,
) -> Result<()> {
    let (store, fresh) = fresh_store(which, postgres_url.as_deref(), sqlite_dir).await?;
    let result = match app_state(&store) {
        Ok(state) => run_book(&state, &args).await,
        Err(e) => Err(e),
    };
    store.close().await;
    remove(fresh).await;
    result
}

/// `n` clients named `prefix-{i}@bench.example`, in the zones given in turn.
async fn clients(state: &AppState, prefix: &str, n: usize, zones: &[&str]) -> Result<Vec<User>> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let email = format!("{prefix}-{i}@bench.example");
        let zone = zones[i % zones.len()];
        out.push(person(state, &email, "Bench Client", zone, Role::Client).await?);
    }
    Ok(out)
}

/// The year of slots as the server lists them, `listings` times (after a tenth as many
/// for warm-up).
struct Listing {
    /// `offered(now … now + 365 days)`: `busy_spans` and `slots` together.
    all: Vec<std::time::Duration>,
    /// The same `busy_spans` read on its own, just before.
    read: Vec<std::time::Duration>,
    rows: usize,
    produced: usize,
}

async fn listing(state: &AppState, year: &Booker, listings: usize) -> Result<Listing> {
    let t = year.therapist();
    let mut out = Listing {
        all: Vec::new(),
        read: Vec::new(),
        rows: 0,
        produced: 0,
    };
    for i in 0..listings + listings / 10 {
        let now = Utc::now();
        let until = now + Duration::days(365);
        // The read `offered` makes (the bookings a day either side of the range).
        let started = Instant::now();
        let busy = state
            .store
            .busy_spans(
                &t.user().id,
                to_millis(now - Duration::days(1)),
                to_millis(until + Duration::days(1)),
                None,
            )
            .await?;
        let read = started.elapsed();
        let started = Instant::now();
        let got = offered(state, &t.schedule, &t.session_type, now, until, now, None).await?;
        let all = started.elapsed();
        if i == 0 {
            // That read is the one `offered` makes: the same slots come out of it.
            let expect = t.schedule.availability.slots(
                &t.kind,
                &Span::from_millis_pairs(&busy),
                now,
                now,
                until,
            );
            ensure!(
                expect == got,
                "`offered` gave {} slots, `slots` over the `busy_spans` read {}",
                got.len(),
                expect.len()
            );
        }
        if i >= listings / 10 {
            out.read.push(read);
            out.all.push(all);
        }
        out.rows = busy.len();
        out.produced = black_box(got).len();
    }
    out.read.sort();
    out.all.sort();
    Ok(out)
}

async fn run_book(state: &AppState, args: &BookArgs) -> Result<()> {
    let store = &state.store;
    let name = store.backend().name();
    let pool = match store.backend() {
        Backend::Sqlite => "8 connections, WAL, `BEGIN IMMEDIATE`",
        Backend::Postgres => "16 connections, read committed, turn = row lock",
    };
    let mut rng = StdRng::seed_from_u64(args.seed);
    let year = therapist(
        state,
        "year@bench.example",
        "Europe/Berlin",
        &office_hours(),
        true,
    )
    .await?;
    let busy_one = therapist(
        state,
        "many@bench.example",
        "America/New_York",
        &all_hours(),
        false,
    )
    .await?;
    let zones = ["America/New_York", "Europe/Berlin", "America/Chicago"];
    let race_clients = clients(state, "client", args.tasks.max(1), &zones).await?;
    let worker_clients = clients(state, "worker", args.workers.max(1), &zones[..1]).await?;
    println!("\n#### {name} (pool of {pool}; seed {})\n", args.seed);

    // One at a time: the "year" therapist's existing bookings, in random order.
    let year = Booker::new(state, year);
    let now = Utc::now();
    let t = year.therapist();
    let mut starts = spread_bookings(
        &t.schedule.availability,
        &t.kind,
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
    let started = Instant::now();
    for (i, s) in starts.iter().enumerate() {
        let t = Instant::now();
        let r = year
            .book(&race_clients[i % race_clients.len()].id, *s)
            .await;
        one.push(t.elapsed());
        if !matches!(r, Ok(Booked::Done(_))) {
            bail!("booking {s} one at a time: {r:?}");
        }
    }
    let one_total = started.elapsed();
    one.sort();
    // What the server's housekeeping does every so often (statistics for the planner).
    store.optimize().await?;

    let list = listing(state, &year, args.listings).await?;
    let race = same_slot(state, &year, &race_clients, args, &mut rng).await?;
    let many = many_slots(
        &Booker::new(state, busy_one),
        &worker_clients,
        args,
        &mut rng,
    )
    .await?;

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
    print_many(args, &many);
    print_race(name, args, &race);
    println!(
        "\n| {name}: a year of slots as the server lists them, {} bookings | listings | p50 (ms) | p95 (ms) | of which `busy_spans` p50 (ms) | rows read | slots produced |",
        thousands(list.rows)
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| `offered(now, now + 365 days)`: `busy_spans` (now − 1 day … now + 366 days) + `slots` | {} | {} | {} | {} | {} | {} |",
        thousands(list.all.len()),
        ms(pct(&list.all, 0.5)),
        ms(pct(&list.all, 0.95)),
        ms(pct(&list.read, 0.5)),
        thousands(list.rows),
        thousands(list.produced)
    );
    Ok(())
}

fn print_many(args: &BookArgs, many: &ManySlots) {
    let t: &Tally = &many.tally;
    println!(
        "| many slots: {} workers booking distinct free slots of one therapist, {:.1} s{} | {} | {} | {:.0} | {} | {} | {} |",
        args.workers,
        many.elapsed.as_secs_f64(),
        if many.ran_out { " (ran out of free slots)" } else { "" },
        thousands(many.latencies.len()),
        thousands(t.done),
        t.done as f64 / many.elapsed.as_secs_f64(),
        ms(pct(&many.latencies, 0.5)),
        ms(pct(&many.latencies, 0.95)),
        ms(pct(&many.latencies, 0.99))
    );
    println!(
        "\nMany slots: {} distinct free slots of the therapist (every day 00:00–24:00, New York) \
         at the start; bookings finished in the first second: {}, in the last second before the deadline: {} \
         (the therapist then had {} live bookings).",
        thousands(many.free),
        thousands(many.first_second),
        thousands(many.last_second),
        thousands(t.done)
    );
    if t.failed() > 0 {
        println!(
            "\n**{} of the many-slot bookings failed** ({} refused, {} unique-index conflicts, {} errors); first: {}",
            t.failed(),
            t.refused + t.just_taken,
            t.conflict,
            t.errors,
            t.first_problem.as_deref().unwrap_or("?")
        );
    }
}

fn print_race(name: &str, args: &BookArgs, race: &SameSlot) {
    let t = &race.tally;
    println!(
        "\n| {name}: same slot, {} tasks race for one start ({} rounds) | booked per round | refused \"just taken\" | other refusals / conflicts / errors | whole race p50 (ms) | whole race max (ms) | per attempt p50 (ms) | per attempt p95 (ms) |",
        args.tasks, args.rounds
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| exactly one booked each round, and one live row at that start: checked | {} | {} | {} / {} / {} | {} | {} | {} | {} |",
        t.done / args.rounds.max(1),
        thousands(t.just_taken),
        t.refused,
        t.conflict,
        t.errors,
        ms(pct(&race.totals, 0.5)),
        ms(pct(&race.totals, 1.0)),
        ms(pct(&race.attempts, 0.5)),
        ms(pct(&race.attempts, 0.95))
    );
}
