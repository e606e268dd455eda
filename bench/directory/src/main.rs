//! Directory at scale: generates therapists with realistic variety (seeded, so every run
//! and both backends get the same data and the same queries), loads them, and measures
//! p50/p95/p99 of `Store::search_therapists` with and without free text and of matching
//! (candidates from a location search, then `rapport_core::directory::rank`).
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

use anyhow::{bail, ensure, Context, Result};
use chrono::NaiveDate;
use gen::{phrases_of, uuid, GenTherapist, Generator, Places};
use indicatif::{ProgressBar, ProgressStyle};
use rand::prelude::*;
use rapport_core::directory::{
    rank, Jurisdiction, MatchRequest, Modality, SessionFormat, Specialty, TherapistFacts,
};
use rapport_store::directory::{Profile, SearchQuery};
use rapport_store::{Backend, Store};
use std::hint::black_box;
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

/// Generates `n` therapists and writes them in bulk, one transaction per 1,000, with a
/// progress bar. Returns (licenses, licenses that count today, seconds).
async fn load(store: &Store, setup: &Setup, n: usize, show: bool) -> Result<(usize, usize, f64)> {
    let mut generator = Generator::new(setup.seed, setup.today, setup.now_ms);
    let mut ids = StdRng::seed_from_u64(setup.seed ^ 0x1d5);
    let admin = uuid(&mut ids);
    gen::insert_admin(store, &admin, setup.now_ms).await?;
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
        gen::insert_bulk(store, &admin, &batch, &mut ids).await?;
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

fn search_for(setup: &Setup, country: &str, region: Option<&str>) -> SearchQuery {
    SearchQuery {
        country: Some(country.to_string()),
        region: region.map(str::to_string),
        limit: 20,
        today: setup.today(),
        ..SearchQuery::default()
    }
}

/// The same queries on every backend: a second RNG seeded from the seed.
fn queries(setup: &Setup, n: usize) -> Result<Queries> {
    let mut rng = StdRng::seed_from_u64(setup.seed.wrapping_add(1));
    let places = Places::new();
    let (mut text, mut plain, mut matching) = (vec![], vec![], vec![]);
    for _ in 0..n {
        let (state, _) = places.us_state(&mut rng);
        let specialty = *Specialty::ALL.choose(&mut rng).expect("specialties");
        text.push(SearchQuery {
            specialty: Some(specialty.as_str().into()),
            text: Some(free_text(&mut rng, specialty)),
            lowest_fee_first: rng.gen_bool(0.5),
            ..search_for(setup, "US", Some(state))
        });

        let (state, _) = places.us_state(&mut rng);
        let specialty = *Specialty::ALL.choose(&mut rng).expect("specialties");
        plain.push(SearchQuery {
            specialty: Some(specialty.as_str().into()),
            lowest_fee_first: true,
            ..search_for(setup, "US", Some(state))
        });

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

/// What matching knows about one candidate, as `rapport_server::matching` builds it:
/// licensed where the client is (the search returned only therapists with a license that
/// counts there).
fn facts(p: &Profile, location: &Jurisdiction) -> TherapistFacts {
    TherapistFacts {
        licensed_in: vec![location.clone()],
        specialties: p
            .specialties
            .iter()
            .filter_map(|s| Specialty::parse(s).ok())
            .collect(),
        modalities: p
            .modalities
            .iter()
            .filter_map(|m| Modality::parse(m).ok())
            .collect(),
        languages: p.languages.clone(),
        formats: p
            .formats
            .iter()
            .filter_map(|f| SessionFormat::parse(f).ok())
            .collect(),
        fee_cents: p.fee_cents,
        sliding_scale: p.sliding_scale,
        gender: p.gender.clone(),
        faith: p.faith.clone(),
        cultural_background: p.cultural_background.clone(),
    }
}

/// Candidates for a request and their ranking: the whole of matching as the server does
/// it. Returns how many were ranked, how many matched the search, and the time spent
/// building facts and ranking (the rest is the search).
async fn match_once(
    store: &Store,
    setup: &Setup,
    req: &MatchRequest,
) -> Result<(usize, i64, Duration)> {
    let q = SearchQuery {
        limit: 200,
        lowest_fee_first: true,
        ..search_for(setup, req.location.country(), req.location.region())
    };
    let (rows, total) = store.search_therapists(&q).await?;
    let t = Instant::now();
    let candidates: Vec<(String, TherapistFacts)> = rows
        .iter()
        .map(|p| (p.user_id.clone(), facts(p, &req.location)))
        .collect();
    let ranked = black_box(rank(req, &candidates)).len();
    Ok((ranked, total, t.elapsed()))
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
    let backend = store.backend();
    let (licenses, counting, secs) = load(&store, setup, n, true).await?;
    if backend == Backend::Postgres {
        // What autovacuum would soon do after a load this size; without statistics the
        // planner guesses and the figures would describe a state that does not last.
        sqlx::query("VACUUM ANALYZE").execute(store.pool()).await?;
    }
    // What the server's housekeeping does within a minute (PRAGMA optimize on SQLite).
    store.optimize().await?;
    let size: i64 = match backend {
        Backend::Sqlite => {
            sqlx::query_as::<_, (i64,)>(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            )
            .fetch_one(store.pool())
            .await?
            .0
        }
        Backend::Postgres => {
            sqlx::query_as::<_, (i64,)>("SELECT pg_database_size(current_database())")
                .fetch_one(store.pool())
                .await?
                .0
        }
    };
    println!(
        "Loaded {} therapists ({} licenses, {} verified and unexpired) in {secs:.1} s \
         ({} therapists/s, one transaction per {}); database {:.0} MiB; seed {}, today {}.",
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

        let t = Instant::now();
        let (ranked, total, ranking_time) = match_once(&store, setup, &q.matching[i]).await?;
        let d = t.elapsed();
        if measured {
            matching.add(d, ranked, total);
            ranking.add(ranking_time, ranked, total);
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
    matching.row("matching: location search (limit 200) + facts + `rank`");
    ranking.row("… of which building facts + `rank` (the rest is the search)");
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
    gen::insert_admin(&b, &admin, setup.now_ms).await?;
    let all: Vec<GenTherapist> = (0..n).map(|k| generator.therapist(k)).collect();
    gen::insert_via_store(&b, &admin, &all).await?;

    for table in ["users", "therapist_profiles", "licenses", "license_history"] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let ca: (i64,) = sqlx::query_as(&sql).fetch_one(a.pool()).await?;
        let cb: (i64,) = sqlx::query_as(&sql).fetch_one(b.pool()).await?;
        ensure!(
            ca == cb,
            "{table}: {} rows in bulk, {} through the store",
            ca.0,
            cb.0
        );
    }
    if a.backend() == Backend::Sqlite {
        let sql = "SELECT user_id, body FROM therapist_search ORDER BY user_id";
        let fa: Vec<(String, String)> = sqlx::query_as(sql).fetch_all(a.pool()).await?;
        let fb: Vec<(String, String)> = sqlx::query_as(sql).fetch_all(b.pool()).await?;
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
                ..search_for(setup, m.location.country(), m.location.region())
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
        today: chrono::Utc::now().date_naive(),
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
