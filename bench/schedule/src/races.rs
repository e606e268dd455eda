//! Part 2 under contention: many clients racing for one start ("same slot"), and many
//! workers booking distinct free slots of one therapist for a few seconds ("many slots").

use crate::book::BookArgs;
use crate::booker::{Booker, Tally};
use crate::year::{packed, spread_bookings};
use anyhow::{ensure, Context, Result};
use chrono::{Duration, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rapport_core::schedule::slots::Span;
use rapport_core::time::to_millis;
use rapport_server::platform::state::AppState;
use rapport_store::users::User;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// How the "same slot" rounds went.
pub struct SameSlot {
    pub tally: Tally,
    /// Each round from the barrier until every attempt returned, sorted.
    pub totals: Vec<std::time::Duration>,
    /// Each attempt, sorted.
    pub attempts: Vec<std::time::Duration>,
}

/// `args.tasks` clients race for one free start of the "year" therapist, `args.rounds`
/// times; fails unless exactly one wins each round and one live row is left at that start.
pub async fn same_slot(
    state: &AppState,
    year: &Booker,
    clients: &[User],
    args: &BookArgs,
    rng: &mut StdRng,
) -> Result<SameSlot> {
    let t = year.therapist();
    let now = Utc::now();
    let busy_now = Span::from_millis_pairs(
        &state
            .store
            .busy_spans(
                &t.user().id,
                to_millis(now - Duration::days(1)),
                to_millis(now + Duration::days(367)),
                None,
            )
            .await?,
    );
    let race_starts = spread_bookings(
        &t.schedule.availability,
        &t.kind,
        &busy_now,
        now,
        now + Duration::days(2),
        args.rounds,
        rng,
    );
    ensure!(
        race_starts.len() == args.rounds,
        "not enough free slots to race for"
    );
    let mut out = SameSlot {
        tally: Tally::default(),
        totals: Vec::new(),
        attempts: Vec::new(),
    };
    for start in race_starts {
        let barrier = Arc::new(tokio::sync::Barrier::new(args.tasks + 1));
        let handles: Vec<_> = (0..args.tasks)
            .map(|k| {
                let b = year.clone();
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
        let began = Instant::now();
        let mut round = Tally::default();
        for h in handles {
            let (r, d) = h.await.context("racing task panicked")?;
            round.add(&r);
            out.attempts.push(d);
        }
        out.totals.push(began.elapsed());
        ensure!(
            round.done == 1,
            "{} of {} racing bookings of {start} succeeded ({:?})",
            round.done,
            args.tasks,
            round.first_problem
        );
        let live = state
            .store
            .appointments_of(&t.user().id, to_millis(start), to_millis(start) + 1)
            .await?
            .iter()
            .filter(|a| a.status == "booked")
            .count();
        ensure!(live == 1, "{live} live bookings at {start} after the race");
        out.tally.merge(round);
    }
    out.totals.sort();
    out.attempts.sort();
    Ok(out)
}

/// How the "many slots" run went.
pub struct ManySlots {
    pub tally: Tally,
    /// Every attempt, sorted.
    pub latencies: Vec<std::time::Duration>,
    pub elapsed: std::time::Duration,
    /// The distinct free slots there were at the start.
    pub free: usize,
    pub ran_out: bool,
    /// Attempts finished in the first second, and in the last second before the deadline.
    pub first_second: usize,
    pub last_second: usize,
}

/// `args.workers` clients book distinct free slots of one therapist until the deadline
/// (or until the free slots run out).
pub async fn many_slots(
    booker: &Booker,
    workers: &[User],
    args: &BookArgs,
    rng: &mut StdRng,
) -> Result<ManySlots> {
    let t = booker.therapist();
    let mut free = packed(
        &t.schedule.availability,
        &t.kind,
        Utc::now() + Duration::days(2),
    );
    free.shuffle(rng);
    let free = Arc::new(free);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + std::time::Duration::from_secs_f64(args.seconds);
    let handles: Vec<_> = workers
        .iter()
        .map(|c| {
            let (b, client, free, next) =
                (booker.clone(), c.id.clone(), free.clone(), next.clone());
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
    let (mut many, mut tally) = (Vec::new(), Tally::default());
    for h in handles {
        let (times, t) = h.await.context("booking worker panicked")?;
        many.extend(times);
        tally.merge(t);
    }
    let elapsed = started.elapsed();
    let ran_out = next.load(Ordering::Relaxed) >= free.len();
    // Throughput in the first and the last second: the therapist's live bookings grow
    // during the run, and every booking reads them inside the turn.
    let second = std::time::Duration::from_secs(1);
    let done_within = |lo: std::time::Duration, hi: std::time::Duration| {
        many.iter().filter(|(at, _)| *at >= lo && *at < hi).count()
    };
    let first_second = done_within(std::time::Duration::ZERO, second);
    let window = std::time::Duration::from_secs_f64(args.seconds).min(elapsed);
    let last_second = done_within(window.saturating_sub(second), window);
    let mut latencies: Vec<_> = many.iter().map(|x| x.1).collect();
    latencies.sort();
    Ok(ManySlots {
        tally,
        latencies,
        elapsed,
        free: free.len(),
        ran_out,
        first_second,
        last_second,
    })
}
