//! `bench-loadgen URL`: a closed-loop HTTP/1.1 load generator. Each of `-c` tasks holds
//! one keep-alive connection and sends the next request as soon as the previous answer
//! has been read completely. Requests started during the warm-up are not counted; after
//! it, every request started within `-d` seconds is timed into an HDR histogram.
//! Non-2xx answers and connection failures count as errors (and are not timed).

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use clap::Parser;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper::header::{HeaderName, HeaderValue, HOST};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

#[derive(Parser)]
#[command(about = "Closed-loop HTTP/1.1 load generator")]
struct Args {
    /// Target, e.g. http://127.0.0.1:8080/api/v1/me
    url: String,
    /// Concurrent keep-alive connections.
    #[arg(short, long, default_value_t = 32)]
    connections: usize,
    /// Measured duration in seconds (after the warm-up).
    #[arg(short, long, default_value_t = 10.0)]
    duration: f64,
    /// Warm-up in seconds, not measured.
    #[arg(short, long, default_value_t = 2.0)]
    warmup: f64,
    /// Extra request header, `Name: value`; may be repeated.
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

struct Target {
    addr: String,
    path: Uri,
    headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(Default)]
struct Tally {
    ok: u64,
    errors: u64,
    hist: Option<Histogram<u64>>,
}

fn new_hist() -> Histogram<u64> {
    // Microseconds, 1 µs .. 60 s, 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

async fn connect(addr: &str) -> Result<http1::SendRequest<Empty<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// One request on an open connection; Ok(status) once the whole body has been read.
async fn request(sender: &mut http1::SendRequest<Empty<Bytes>>, t: &Target) -> Result<u16> {
    let mut req = Request::get(t.path.clone()).body(Empty::<Bytes>::new())?;
    for (name, value) in &t.headers {
        req.headers_mut().append(name.clone(), value.clone());
    }
    sender.ready().await?;
    let res = sender.send_request(req).await?;
    let status = res.status().as_u16();
    res.into_body().collect().await?;
    Ok(status)
}

async fn worker(t: std::sync::Arc<Target>, measure_from: Instant, until: Instant) -> Tally {
    let mut tally = Tally {
        hist: Some(new_hist()),
        ..Tally::default()
    };
    let mut sender = None;
    loop {
        let start = Instant::now();
        if start >= until {
            break;
        }
        let measured = start >= measure_from;
        let s = match sender.as_mut() {
            Some(s) => s,
            None => match connect(&t.addr).await {
                Ok(s) => sender.insert(s),
                Err(_) => {
                    if measured {
                        tally.errors += 1;
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let outcome = request(s, &t).await;
        let elapsed = start.elapsed();
        if !measured {
            if outcome.is_err() {
                sender = None;
            }
            continue;
        }
        match outcome {
            Ok(status) if (200..300).contains(&status) => {
                tally.ok += 1;
                let us = u64::try_from(elapsed.as_micros())
                    .unwrap_or(u64::MAX)
                    .max(1);
                tally.hist.as_mut().expect("hist").saturating_record(us);
            }
            Ok(_) => tally.errors += 1,
            Err(_) => {
                tally.errors += 1;
                sender = None;
            }
        }
    }
    tally
}

fn parse_target(args: &Args) -> Result<Target> {
    let uri: Uri = args.url.parse().context("parsing URL")?;
    if uri.scheme_str() != Some("http") {
        bail!("only http:// URLs are supported");
    }
    let authority = uri.authority().context("URL has no host")?.clone();
    let port = authority.port_u16().unwrap_or(80);
    let addr = format!("{}:{port}", authority.host());
    let path: Uri = uri.path_and_query().map_or("/", |p| p.as_str()).parse()?;
    let mut headers = vec![(HOST, HeaderValue::from_str(authority.as_str())?)];
    for h in &args.headers {
        let (name, value) = h.split_once(':').context("header must be `Name: value`")?;
        headers.push((name.trim().parse()?, HeaderValue::from_str(value.trim())?));
    }
    Ok(Target {
        addr,
        path,
        headers,
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if args.connections == 0 || args.duration <= 0.0 || args.warmup < 0.0 {
        bail!("need at least one connection and a positive duration");
    }
    let target = std::sync::Arc::new(parse_target(&args)?);
    // Fail fast if the target is not there at all.
    connect(&target.addr)
        .await
        .with_context(|| format!("connecting to {}", target.addr))?;

    let measure_from = Instant::now() + Duration::from_secs_f64(args.warmup);
    let until = measure_from + Duration::from_secs_f64(args.duration);
    let tasks: Vec<_> = (0..args.connections)
        .map(|_| tokio::spawn(worker(target.clone(), measure_from, until)))
        .collect();
    let mut hist = new_hist();
    let (mut ok, mut errors) = (0u64, 0u64);
    for task in tasks {
        let t = task.await?;
        ok += t.ok;
        errors += t.errors;
        hist.add(t.hist.expect("hist"))?;
    }
    // Requests started in the window may finish a little after it; count them over the
    // wall time they actually took.
    let window = Instant::now()
        .saturating_duration_since(measure_from)
        .as_secs_f64();
    let rps = ok as f64 / window.max(args.duration);
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    let (p50, p90, p99, max) = (ms(0.50), ms(0.90), ms(0.99), hist.max() as f64 / 1000.0);
    if args.json {
        let out = serde_json::json!({
            "url": args.url, "connections": args.connections, "duration_s": args.duration,
            "warmup_s": args.warmup, "requests": ok, "errors": errors, "rps": rps,
            "p50_ms": p50, "p90_ms": p90, "p99_ms": p99, "max_ms": max,
        });
        println!("{out}");
    } else {
        println!(
            "{} — {} connections, {:.1} s (+{:.1} s warm-up)",
            args.url, args.connections, args.duration, args.warmup
        );
        println!("  requests/s  {rps:.0}   ({ok} ok, {errors} errors)");
        println!("  latency ms  p50 {p50:.3}  p90 {p90:.3}  p99 {p99:.3}  max {max:.3}");
    }
    Ok(())
}
