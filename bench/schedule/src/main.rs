//! Scheduling benchmarks.
//!
//! `bench-schedule slots` (in memory, no database): how long `Availability::slots` takes
//! for a whole year of a therapist's hours — Mon–Fri 09:00–12:00 and 13:00–17:00, a few
//! day overrides and spans of time off, about 1,000 existing bookings — for 50-minute
//! sessions with a 10-minute buffer and starts every 30 minutes, in Europe/Berlin and
//! America/New_York; and what the check made inside the booking turn costs.
//!
//! `bench-schedule book sqlite|postgres` (a fresh SQLite file in a temp dir, or a fresh
//! PostgreSQL database that is dropped afterwards): the real `Store::book`, with the
//! server's own check inside the booking turn (`rapport_server::scheduling::booking::verify`:
//! `Availability::check_starts` over the busy spans the store passes in, and the client's
//! own sessions), under contention:
//!
//! - 1,000 bookings one at a time (the existing bookings of the "year" therapist);
//! - a year of slots as the server lists them
//!   (`rapport_server::scheduling::availability::offered`) on that therapist;
//! - "same slot": 100 tasks race for one start, per round; exactly one must win;
//! - "many slots": 64 workers book distinct free slots of one therapist for a few seconds.
//!
//! Availability is saved through the store's own methods and read back with the server's
//! `rapport_server::scheduling::availability::load`; session types become slot kinds with
//! the server's `kind_of`.

mod book;
mod booker;
mod fresh;
mod races;
mod report;
mod slots;
mod year;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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
        /// Year-long slot listings timed (`offered`: busy_spans + slots).
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

/// The database `book` runs on.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Which {
    Sqlite,
    Postgres,
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Slots {
            iterations,
            bookings,
            seed,
        } => slots::bench_slots(iterations, bookings, seed),
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
            book::bench_book(
                backend,
                postgres_url,
                sqlite_dir,
                book::BookArgs {
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
