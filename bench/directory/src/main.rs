//! Directory at scale: generates therapists with realistic variety (seeded, so every run
//! and both backends get the same data and the same queries), loads them, and measures
//! p50/p95/p99 of `Store::search_therapists` with and without free text (queries built by
//! the server's own `SearchParams::to_query`) and of matching as the server does it
//! (`rapport_server::directory::matching::find`: candidates from a location search, the
//! server's `facts` for each, then `rapport_core::directory::rank`).
//!
//! Usage:
//!   bench-directory DATABASE_URL [THERAPISTS] [QUERIES]
//!   bench-directory check DATABASE_URL_A DATABASE_URL_B [THERAPISTS]
//!
//! THERAPISTS defaults to `BENCH_THERAPISTS` or 50,000, QUERIES to `BENCH_QUERIES` or
//! 1,000, the seed to `BENCH_SEED` or 42. `check` loads the same therapists in bulk into
//! A and through `save_profile` / `add_license` / `decide_license` into B, and fails
//! unless searches return identical pages and totals on both.

mod data;
mod gen;
mod load;
mod matching;

use anyhow::{bail, ensure, Context, Result};
use chrono::NaiveDate;
use gen::{phrases_of, uuid, GenTherapist, Generator, Places};
use indicatif::{ProgressBar, ProgressStyle};
use rand::prelude::*;
use rapport_core::directory::{Jurisdiction, MatchRequest, Modality, SessionFormat, Specialty};
use rapport_server::directory::service::SearchParams;
use rapport_store::directory::SearchQuery;
use rapport_store::raw::Bind;
use rapport_store::{Backend, Store};
use std::time::{Duration, Instant};

const BATCH: usize = 1_000;
const WARMUP: usize = 100;

fn env_or(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

fn arg_or(args: &[String], i: usize, default: usize) -> Result<usize> {
    match args.get(i) {
        Some(a) => a
            .replace(['_', ','], "")
            .parse()
            .with_context(|| format!("not a number: {a}")),
        None => Ok(default),
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string().into_bytes();
    let groups: Vec<String> = digits
        .rchunks(3)
        .rev()
        .map(|g| String::from_utf8_lossy(g).into_owned())
        .collect();
    groups.join(",")
}

/// What every run shares: the seed, today's date and the clock the data is dated from.
struct Setup {
    seed: u64,
    today: NaiveDate,
    now_ms: i64,
}

impl Setup {
    fn today(&self) -> String {
        self.today.format("%Y-%m-%d").to_string()
    }
}

/// Generates `n` therapists and writes them in bulk, 1,000 at a time, with a progress
/// bar. Returns (licenses, licenses that count today, seconds).
async fn load(store: &Store, setup: &Setup, n: usize, show: bool) -> Result<(usize, usize, f64)> {
    let mut generator = Generator::new(setup.seed, setup.today, setup.now_ms);
    let mut ids = StdRng::seed_from_u64(setup.seed ^ 0x1d5);
    let admin = uuid(&mut ids);
    load::insert_admin(store, &admin, setup.now_ms).await?;
    let bar = if show {
        ProgressBar::new(n as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} therapists, {per_sec}, eta {eta}",
        )?
        .progress_chars("=> "),
    );
    bar.set_message(format!("generating ({})", store.backend().name()));
    let today = setup.today();
    let (mut licenses, mut counting) = (0, 0);
    let started = Instant::now();
    let mut i = 0;
    while i < n {
        let batch: Vec<GenTherapist> = (i..(i + BATCH).min(n))
            .map(|k| generator.therapist(k))
            .collect();
        for t in &batch {
            licenses += t.licenses.len();
            counting += t
                .licenses
                .iter()
                .filter(|l| matches!(l.decision, Some((true, _, _))) && l.expires_on > today)
                .count();
        }
        load::insert_bulk(store, &admin, &batch, &mut ids).await?;
        i += batch.len();
        bar.inc(batch.len() as u64);
    }
    bar.finish_and_clear();
    Ok((licenses, counting, started.elapsed().as_secs_f64()))
}

/// Free text of one or two words taken from the phrase banks the introductions use:
/// half the time about the chosen specialty, otherwise an approach or a general phrase.
fn free_text(rng: &mut StdRng, specialty: Specialty) -> String {
    let phrase = match rng.gen_range(0..10) {
        0..=4 => *phrases_of(data::SPECIALTY_PHRASES, specialty.as_str())
            .choose(rng)
            .expect("phrases"),
        5..=7 => {
            let m = Modality::ALL.choose(rng).expect("modalities");
            *phrases_of(data::MODALITY_PHRASES, m.as_str())
                .choose(rng)
                .expect("phrases")
        }
        _ => *data::GENERAL_PHRASES.choose(rng).expect("phrases"),
    };
    let words: Vec<String> = rapport_store::directory::search_words(phrase)
        .into_iter()
        .filter(|w| !data::STOPWORDS.contains(&w.as_str()))
        .collect();
    if words.len() >= 2 && rng.gen_bool(0.4) {
        let start = rng.gen_range(0..words.len() - 1);
        format!("{} {}", words[start], words[start + 1])
    } else {
        words
            .choose(rng)
            .cloned()
            .unwrap_or_else(|| "therapy".into())
    }
}

struct Queries {
    text: Vec<SearchQuery>,
    plain: Vec<SearchQuery>,
    matching: Vec<MatchRequest>,
}

/// Search parameters as a query string carries them.
fn params(country: &str, region: Option<&str>, specialty: Option<Specialty>) -> SearchParams {
    SearchParams {
        country: Some(country.to_string()),
        region: region.map(str::to_string),
        specialty: specialty.map(|s| s.as_str().to_string()),
        ..SearchParams::default()
    }
}

/// The search the server makes of them (`SearchParams::to_query`: 20 to a page, licenses
/// that count today).
fn to_query(p: SearchParams) -> Result<SearchQuery> {
    let (query, _) = p
        .to_query(None)
        .map_err(|e| anyhow::anyhow!("search parameters refused: {e}"))?;
    Ok(query)
}

/// The same queries on every backend: a second RNG seeded from the seed.
fn queries(setup: &Setup, n: usize) -> Result<Queries> {
    let mut rng = StdRng::seed_from_u64(setup.seed.wrapping_add(1));
    let places = Places::new();
    let (mut text, mut plain, mut matching) = (vec![], vec![], vec![]);
    for _ in 0..n {
        let (state, _) = places.us_state(&mut rng);
        let specialty = *Specialty::ALL.choose(&mut rng).expect("specialties");
        let words = free_text(&mut rng, specialty);
        let sort = if rng.gen_bool(0.5) { "fee" } else { "best" };
        text.push(to_query(SearchParams {
            q: Some(words),
            sort: Some(sort.into()),
            ..params("US", Some(state), Some(specialty))
        })?);

        let (state, _) = places.us_state(&mut rng);
        let specialty = *Specialty::ALL.choose(&mut rng).expect("specialties");
        plain.push(to_query(SearchParams {
            sort: Some("fee".into()),
            ..params("US", Some(state), Some(specialty))
        })?);

        let (country, region, _) = places.place(&mut rng);
        let k = rng.gen_range(1..=3);
        let concerns = Specialty::ALL
            .choose_multiple(&mut rng, k)
            .copied()
            .collect();
        let language = match rng.gen_range(0..100) {
            0..=74 => "en",
            75..=92 => "es",
            _ => *["zh", "vi", "ko", "ar", "fr", "hi", "tl", "pt"]
                .choose(&mut rng)
                .expect("languages"),
        };
        matching.push(MatchRequest {
            location: Jurisdiction::parse(country, Some(region))?,
            concerns,
            language: Some(language.into()),
            modality: rng
                .gen_bool(0.3)
                .then(|| *Modality::ALL.choose(&mut rng).expect("modalities")),
            format: rng
                .gen_bool(0.3)
                .then(|| *SessionFormat::ALL.choose(&mut rng).expect("formats")),
            budget_max_cents: rng.gen_bool(0.7).then(|| rng.gen_range(16..=40) * 500),
            wants_sliding_scale: rng.gen_bool(0.3),
            identity: None,
        });
    }
    Ok(Queries {
        text,
        plain,
        matching,
    })
}

#[derive(Default)]
struct Series {
    times: Vec<Duration>,
    rows: usize,
    totals: i64,
}

impl Series {
    fn add(&mut self, t: Duration, rows: usize, total: i64) {
        self.times.push(t);
        self.rows += rows;
        self.totals += total;
    }

    fn row(&mut self, name: &str) {
        let n = self.times.len().max(1);
        self.times.sort();
        let pct = |p: f64| {
            let i = ((self.times.len() as f64 - 1.0) * p).round() as usize;
            format!(
                "{:.2}",
                self.times.get(i).copied().unwrap_or_default().as_secs_f64() * 1e3
            )
        };
        println!(
            "| {name} | {} | {} | {} | {} | {:.1} | {} |",
            thousands(self.times.len() as u64),
            pct(0.5),
            pct(0.95),
            pct(0.99),
            self.rows as f64 / n as f64,
            thousands((self.totals as f64 / n as f64).round() as u64),
        );
    }
}

async fn bench(url: &str, setup: &Setup, n: usize, count: usize) -> Result<()> {
    let store = Store::open(url).await.context("open store")?;
    let state = matching::app_state(&store)?;
    let backend = store.backend();
    let (licenses, counting, secs) = load(&store, setup, n, true).await?;
    if backend == Backend::Postgres {
        // What autovacuum would soon do after a load this size; without statistics the
        // planner guesses and the figures would describe a state that does not last.
        store.raw_execute("VACUUM ANALYZE", &[]).await?;
    }
    // What the server's housekeeping does within a minute (PRAGMA optimize on SQLite).
    store.optimize().await?;
    let size = store.size_bytes().await?;
    println!(
        "Loaded {} therapists ({} licenses, {} verified and unexpired) in {secs:.1} s \
         ({} therapists/s, {} at a time, multi-row INSERTs of 100 rows); database {:.0} MiB; \
         seed {}, today {}.",
        thousands(n as u64),
        thousands(licenses as u64),
        thousands(counting as u64),
        thousands((n as f64 / secs) as u64),
        thousands(BATCH as u64),
        size as f64 / 1048576.0,
        setup.seed,
        setup.today(),
    );

    let q = queries(setup, WARMUP + count)?;
    let (mut text, mut text_best, mut text_fee) =
        (Series::default(), Series::default(), Series::default());
    let (mut plain, mut matching, mut ranking) =
        (Series::default(), Series::default(), Series::default());
    // Interleaved so that drift on a noisy machine affects the three kinds alike.
    for i in 0..WARMUP + count {
        let measured = i >= WARMUP;

        let t = Instant::now();
        let (rows, total) = store.search_therapists(&q.text[i]).await?;
        let d = t.elapsed();
        if measured {
            text.add(d, rows.len(), total);
            let by = if q.text[i].lowest_fee_first {
                &mut text_fee
            } else {
                &mut text_best
            };
            by.add(d, rows.len(), total);
        }

        let t = Instant::now();
        let (rows, total) = store.search_therapists(&q.plain[i]).await?;
        let d = t.elapsed();
        if measured {
            plain.add(d, rows.len(), total);
        }

        let m = matching::once(&state, &q.matching[i]).await?;
        if measured {
            matching.add(m.whole, m.shown, m.total);
            ranking.add(m.ranking, m.ranked, m.total);
        }
    }

    let name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!();
    println!(
        "| {name}, {} therapists | queries | p50 (ms) | p95 (ms) | p99 (ms) | mean rows returned | mean total matches |",
        thousands(n as u64)
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    text.row("filtered search with free text (US + state + specialty + 1–2 words, limit 20)");
    text_best.row("… of which sorted by best match");
    text_fee.row("… of which sorted by lowest fee");
    plain.row("filtered search without text (US + state + specialty, lowest fee, limit 20)");
    matching.row(&format!(
        "matching: `find` (location search, limit 500, + facts + `rank`), {} shown",
        matching::SHOWN
    ));
    ranking.row("… of which building facts + `rank` (timed apart over the same candidates)");
    store.close().await;
    Ok(())
}

/// Loads the same therapists in bulk into `a` and through the store's methods into `b`,
/// then requires identical search results on both.
async fn check(url_a: &str, url_b: &str, setup: &Setup, n: usize) -> Result<()> {
    let a = Store::open(url_a).await?;
    let b = Store::open(url_b).await?;
    load(&a, setup, n, false).await?;

    let mut generator = Generator::new(setup.seed, setup.today, setup.now_ms);
    let mut ids = StdRng::seed_from_u64(setup.seed ^ 0x1d5);
    let admin = uuid(&mut ids);
    load::insert_admin(&b, &admin, setup.now_ms).await?;
    let all: Vec<GenTherapist> = (0..n).map(|k| generator.therapist(k)).collect();
    load::insert_via_store(&b, &admin, &all).await?;

    let none: &[Bind] = &[];
    for table in ["users", "therapist_profiles", "licenses", "license_history"] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let ca = a.raw_i64(&sql, none).await?;
        let cb = b.raw_i64(&sql, none).await?;
        ensure!(
            ca == cb,
            "{table}: {ca} rows in bulk, {cb} through the store"
        );
    }
    if a.backend() == Backend::Sqlite {
        let sql = "SELECT user_id, body FROM therapist_search ORDER BY user_id";
        let fa = a.raw_rows(sql, none).await?;
        let fb = b.raw_rows(sql, none).await?;
        ensure!(fa == fb, "therapist_search rows differ");
    }

    // Broad queries (region and specialty dropped at random) so that pages are not empty.
    let q = queries(setup, 300)?;
    let mut rng = StdRng::seed_from_u64(setup.seed.wrapping_add(2));
    let mut nonempty = 0;
    let mut searches: Vec<SearchQuery> = q.text.into_iter().chain(q.plain).collect();
    for (i, m) in q.matching.iter().enumerate() {
        if i % 3 == 0 {
            searches.push(SearchQuery {
                limit: 200,
                ..to_query(params(m.location.country(), m.location.region(), None))?
            });
        }
    }
    for mut s in searches {
        if rng.gen_bool(0.5) {
            s.region = None;
        }
        if rng.gen_bool(0.5) {
            s.specialty = None;
        }
        let (ra, ta) = a.search_therapists(&s).await?;
        let (rb, tb) = b.search_therapists(&s).await?;
        if format!("{ra:?}") != format!("{rb:?}") || ta != tb {
            bail!("results differ for {s:?}: {ta} vs {tb} matches");
        }
        nonempty += usize::from(ta > 0);
    }
    println!("Check passed: {n} therapists loaded in bulk and through the store give identical rows and identical results for 700 searches ({nonempty} non-empty).");
    a.close().await;
    b.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let setup = Setup {
        seed: env_or("BENCH_SEED", 42) as u64,
        today: rapport_server::directory::service::today(),
        now_ms: rapport_store::now_ms(),
    };
    match args.first().map(String::as_str) {
        Some("check") if args.len() >= 3 => {
            check(&args[1], &args[2], &setup, arg_or(&args, 3, 400)?).await
        }
        Some(url) if !url.starts_with('-') && url != "check" => {
            let n = arg_or(&args, 1, env_or("BENCH_THERAPISTS", 50_000))?;
            let count = arg_or(&args, 2, env_or("BENCH_QUERIES", 1_000))?;
            bench(url, &setup, n, count).await
        }
        _ => bail!(
            "usage: bench-directory DATABASE_URL [THERAPISTS] [QUERIES]\n       \
             bench-directory check DATABASE_URL_A DATABASE_URL_B [THERAPISTS]"
        ),
    }
}
