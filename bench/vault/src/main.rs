//! Measures the vault on one database: p50/p99 of sealing and opening a 1 KiB note (as the
//! client, which isolates the access rule + key lookup + crypto, and as their therapist in
//! an active care relationship, which also appends an access event), then records/s of
//! one-record write transactions of 1 KiB stored plain, sealed by the client, and sealed by
//! the therapist, with 1 and 4 writers.
//!
//! The people are real accounts with live sessions (`rapport_testkit::person`), so every
//! access context comes from the store's proof of sign-in, and each client is in an active
//! care relationship with the therapist (`rapport_testkit::relate`). The record written is
//! a contact request of that relationship, stored with the product's own
//! `rapport_store::care::add_contact_request` inside the write transaction (the store
//! offers no raw SQL inside a transaction, so there is no scratch table any more).
//!
//! Usage: bench-vault DATABASE_URL [RECORDS] [OPS]

use anyhow::Result;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rapport_core::Role;
use rapport_store::Store;
use rapport_testkit::{person, relate, Person, Stage};
use rapport_vault::Vault;
use rapport_vault::{AccessContext, KeyEncryptionKey, Locator, Purpose, RecordKind};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 50;
const ROUNDS: usize = 5;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Plain,
    Client,
    Therapist,
}

const MODES: [(Mode, &str); 3] = [
    (Mode::Plain, "plain 1 KiB"),
    (Mode::Client, "sealed by the client (no access event)"),
    (Mode::Therapist, "sealed by a therapist (+ access event)"),
];

/// A client signed in, and their active care relationship with the therapist.
struct Client {
    person: Person,
    care: String,
}

#[derive(Clone)]
struct Bench {
    store: Store,
    vault: Vault,
    therapist: Arc<Person>,
    clients: Arc<Vec<Client>>,
    text: String,
}

/// A note of the client's care, at `row` (for the latency rows; nothing is stored).
fn note<'a>(c: &'a Client, row: &'a str) -> Locator<'a> {
    Locator {
        client: &c.person.user.id,
        care: Some(&c.care),
        kind: RecordKind::Note,
        table: "notes",
        row_id: row,
        field: "body",
    }
}

/// A contact request of the client's care, at `row`, as the product locates it.
fn request<'a>(c: &'a Client, row: &'a str) -> Locator<'a> {
    Locator {
        client: &c.person.user.id,
        care: Some(&c.care),
        kind: RecordKind::ContactRequest,
        table: "contact_requests",
        row_id: row,
        field: "text",
    }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn row(name: &str, mut times: Vec<Duration>) -> Duration {
    times.sort();
    println!(
        "| {name} | {} | {} |",
        us(pct(&times, 0.5)),
        us(pct(&times, 0.99))
    );
    pct(&times, 0.5)
}

impl Bench {
    /// Who acts in `mode`: the client on their own record, or their therapist treating them.
    fn ctx(&self, mode: Mode, client: &Client) -> AccessContext {
        match mode {
            Mode::Therapist => {
                AccessContext::person(&self.therapist.proof, Purpose::Treatment, None)
            }
            _ => AccessContext::person(&client.person.proof, Purpose::ClientRequest, None),
        }
    }

    /// One write transaction: the record (sealed or not) and, for a therapist, its event.
    async fn write(&self, mode: Mode, i: usize) -> Result<()> {
        let client = &self.clients[i % CLIENTS];
        let id = rapport_store::new_id();
        let mut tx = self.store.begin_write().await?;
        let body = match mode {
            Mode::Plain => self.text.as_bytes().to_vec(),
            _ => {
                let c = self.ctx(mode, client);
                self.vault
                    .seal(&mut tx, &c, &request(client, &id), &self.text)
                    .await?
            }
        };
        rapport_store::care::add_contact_request(&mut tx, &id, &client.care, "question", &body)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Seal and open timed separately, inside one write transaction per pair.
    async fn latency(&self, mode: Mode, n: usize) -> Result<(Vec<Duration>, Vec<Duration>)> {
        let (mut seals, mut opens) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..n + n / 10 {
            let client = &self.clients[i % CLIENTS];
            let (c, id) = (self.ctx(mode, client), rapport_store::new_id());
            let mut tx = self.store.begin_write().await?;
            let t = Instant::now();
            let sealed = self
                .vault
                .seal(&mut tx, &c, &note(client, &id), &self.text)
                .await?;
            let t_seal = t.elapsed();
            let t = Instant::now();
            black_box(
                self.vault
                    .open(&mut tx, &c, &note(client, &id), &sealed)
                    .await?,
            );
            let t_open = t.elapsed();
            tx.commit().await?;
            if i >= n / 10 {
                seals.push(t_seal);
                opens.push(t_open);
            }
        }
        Ok((seals, opens))
    }

    /// `n` records with `writers` concurrent writers; returns the elapsed time.
    async fn run(&self, mode: Mode, n: usize, writers: usize) -> Result<Duration> {
        let t = Instant::now();
        let tasks: Vec<_> = (0..writers)
            .map(|w| {
                let b = self.clone();
                tokio::spawn(async move {
                    for i in (w..n).step_by(writers) {
                        b.write(mode, i).await?;
                    }
                    anyhow::Ok(())
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("writer panicked")?;
        }
        Ok(t.elapsed())
    }
}

fn in_memory(text: &str) {
    let cipher = XChaCha20Poly1305::new(&[7u8; 32].into());
    let nonce = XNonce::from([9u8; 24]);
    fn payload(msg: &[u8]) -> Payload<'_, '_> {
        Payload {
            msg,
            aad: b"rapport:v1 note notes row body client care",
        }
    }
    let (mut seals, mut opens) = (Vec::new(), Vec::new());
    for _ in 0..20_000 {
        let t = Instant::now();
        let sealed = black_box(cipher.encrypt(&nonce, payload(text.as_bytes())).unwrap());
        seals.push(t.elapsed());
        let t = Instant::now();
        black_box(cipher.decrypt(&nonce, payload(&sealed)).unwrap());
        opens.push(t.elapsed());
    }
    row("XChaCha20-Poly1305 seal, in memory (reference)", seals);
    row("XChaCha20-Poly1305 open, in memory (reference)", opens);
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .expect("usage: bench-vault DATABASE_URL [RECORDS] [OPS]");
    let records: usize = args.get(2).map_or(3000, |s| s.parse().expect("RECORDS"));
    let ops: usize = args.get(3).map_or(2000, |s| s.parse().expect("OPS"));
    let store = Store::open_with(url, sqlite_durability())
        .await
        .expect("open store");
    // A therapist and clients who are signed in, each client in active care with them.
    let therapist = person(&store, "therapist@bench.example", Role::Therapist).await;
    let mut clients = Vec::with_capacity(CLIENTS);
    for i in 0..CLIENTS {
        let client = person(&store, &format!("client{i}@bench.example"), Role::Client).await;
        let care = relate(&store, &client, &therapist, Stage::Active).await.id;
        clients.push(Client {
            person: client,
            care,
        });
    }
    let sentence = "The client described a difficult week at work and poor sleep; we agreed to try a wind-down routine. ";
    let text: String = sentence.repeat(1024 / sentence.len() + 1)[..1024].to_string();
    let b = Bench {
        vault: Vault::new(
            KeyEncryptionKey::generate(),
            ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
        ),
        therapist: Arc::new(therapist),
        clients: Arc::new(clients),
        store,
        text,
    };
    // Warm-up: creates every client's data key, and the table's and log's first pages.
    for (mode, _) in MODES {
        b.run(mode, 2 * CLIENTS, 1).await?;
    }

    let name = b.store.backend().name();
    println!("\n| operation, 1 KiB value ({name}, {ops} each) | p50 | p99 |\n|---|---:|---:|");
    in_memory(&b.text);
    // Client and therapist interleaved over rounds, so noise from the VM hits both alike.
    let mut t: [Vec<Duration>; 4] = Default::default();
    for _ in 0..ROUNDS {
        for (k, mode) in [(0, Mode::Client), (2, Mode::Therapist)] {
            let (s, o) = b.latency(mode, ops / ROUNDS).await?;
            t[k].extend(s);
            t[k + 1].extend(o);
        }
    }
    let labels = ["seal` as the client", "open` as the client"];
    let labels = labels
        .into_iter()
        .chain(["seal` as a therapist", "open` as a therapist"]);
    let p50: Vec<Duration> = t
        .into_iter()
        .zip(labels)
        .map(|(v, l)| row(&format!("`Vault::{l}"), v))
        .collect();
    println!(
        "| access event (therapist − client, p50 of seal / open) | {} / {} | |",
        us(p50[2].saturating_sub(p50[0])),
        us(p50[3].saturating_sub(p50[1]))
    );

    println!("\n| write, one record per transaction ({name}, {records} records) | writers | records/s | time added vs plain |");
    println!("|---|---:|---:|---:|");
    for writers in [1, 4] {
        // Modes interleaved over rounds, in rotating order, so drift hits each alike.
        let mut total = [Duration::ZERO; 3];
        for round in 0..ROUNDS {
            for k in 0..3 {
                let m = (round + k) % 3;
                total[m] += b.run(MODES[m].0, records / ROUNDS, writers).await?;
            }
        }
        let rate = |d: Duration| (records / ROUNDS * ROUNDS) as f64 / d.as_secs_f64();
        for (m, (_, label)) in MODES.iter().enumerate() {
            let added = match m {
                0 => "—".to_string(),
                _ => format!("{:+.1}%", (rate(total[0]) / rate(total[m]) - 1.0) * 100.0),
            };
            println!("| {label} | {writers} | {:.0} | {added} |", rate(total[m]));
        }
    }
    b.store.close().await;
    Ok(())
}

/// SQLite's commit durability: `BENCH_SQLITE_SYNCHRONOUS=normal` measures what the
/// product's `--sqlite-synchronous normal` trades away; the default is the product's
/// default (FULL).
fn sqlite_durability() -> rapport_store::Durability {
    match std::env::var("BENCH_SQLITE_SYNCHRONOUS").as_deref() {
        Ok("normal") => rapport_store::Durability::Normal,
        _ => rapport_store::Durability::Full,
    }
}
