//! Part 1: slot generation for a year of availability, in memory, and the check made
//! inside the booking turn (`Availability::offers`).

use crate::report::{ms, pct, thousands, us};
use crate::year::{spread_bookings, year_availability, FIFTY};
use anyhow::{ensure, Context, Result};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rapport_core::schedule::slots::{SessionType, Span};
use std::hint::black_box;
use std::time::Instant;

/// Times `slots` for a year with and without existing bookings, and `offers` for one free
/// start, in two zones; prints the tables.
pub fn bench_slots(iterations: usize, bookings: usize, seed: u64) -> Result<()> {
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
