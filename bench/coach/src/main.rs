//! Measures the coach on one core: model load time, then p50/p99 latency of a full review
//! (rules + model) of a realistic (~60-word) and a long (~400-word) reply.
//! Usage: bench-coach MODEL_FILE [ITERATIONS]

use rapport_coach::Coach;
use std::time::{Duration, Instant};

const CLIENT: &str = "I've been so tired lately. I keep falling behind at work and my manager noticed. \
I lie awake at night going over everything I got wrong, and then I'm too exhausted to focus the next day.";

const REALISTIC: &str =
    "That sounds exhausting, and it makes sense that you feel stuck when the nights \
and the days feed each other like that. It seems like the worry about work follows you to bed. \
What goes through your mind when you're lying awake? I'd like to understand what those nights are \
like for you before we think about what might help.";

fn long_reply() -> String {
    let paragraph = "Thank you for telling me about this week. It sounds like you have been carrying a lot, \
and that the tiredness and the worry about work have been feeding each other. When you lie awake going \
over what went wrong, it makes sense that the next day feels harder. I wonder what it is like for you to \
notice your manager paying attention to this. Many people in your position would feel anxious about it. \
What do you notice in your body when those thoughts start at night? ";
    let mut s = String::new();
    while s.split_whitespace().count() < 400 {
        s.push_str(paragraph);
    }
    s
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn measure(coach: &Coach, draft: &str, n: usize) -> (Duration, Duration) {
    for _ in 0..n / 10 {
        std::hint::black_box(coach.review(CLIENT, draft));
    }
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(coach.review(CLIENT, draft));
            t.elapsed()
        })
        .collect();
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(model) = args.next() else {
        eprintln!("usage: bench-coach MODEL_FILE [ITERATIONS]");
        std::process::exit(2);
    };
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let t = Instant::now();
    let coach = match Coach::load(Some(std::path::Path::new(&model))) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot load {model}: {e}");
            std::process::exit(1);
        }
    };
    let load = t.elapsed();
    let long = long_reply();
    let rules_only = Coach::rules_only();
    println!("| reply | words | p50 | p99 |");
    println!("|---|---:|---:|---:|");
    for (name, draft) in [("realistic", REALISTIC), ("long", long.as_str())] {
        let (p50, p99) = measure(&coach, draft, n);
        let words = draft.split_whitespace().count();
        println!(
            "| {name}, rules + model | {words} | {:.3} ms | {:.3} ms |",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
        let (p50, p99) = measure(&rules_only, draft, n);
        println!(
            "| {name}, rules only | {words} | {:.3} ms | {:.3} ms |",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
    println!(
        "\nModel load: {:.1} ms ({n} iterations per row, one thread)",
        load.as_secs_f64() * 1e3
    );
}
