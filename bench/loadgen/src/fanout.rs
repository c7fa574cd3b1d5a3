//! `fanout`: many users, each receiving `events` events published by the server as fast as the
//! pipeline takes them; deliveries/s and publish-to-receive latency.
//!
//! The events come from `POST /test/broadcast` (through the hub's normal publish path), one
//! call per `--per-call` events per user. Publishing is closed-loop: a call is made only while
//! at most `--window` events per user are published but not yet received, so the server's
//! per-socket queues (1024 frames; a full one closes the socket with 1013) never overflow and
//! the latency measured is that of a server running at its limit, not of a backlog we built.
//! By Little's law the latency grows with the window: p50 ≈ window × users / rate.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Notify;

use crate::http::{Http, Server};
use crate::receiver::{self, Received, STALL};
use crate::{proc, ws, Result};

/// Options of `fanout`.
#[derive(clap::Args)]
pub struct Args {
    /// Server base URL (started with --test-hooks).
    #[arg(long)]
    server: String,
    /// PID of the server process, to report its CPU time.
    #[arg(long)]
    pid: Option<u32>,
    /// Users, one socket each.
    #[arg(long, default_value_t = 1000)]
    users: usize,
    /// Events each user receives.
    #[arg(long, default_value_t = 300)]
    events: u64,
    /// Events per user per broadcast call.
    #[arg(long, default_value_t = 1)]
    per_call: u64,
    /// Most events per user published but not yet received.
    #[arg(long, default_value_t = 4)]
    window: u64,
    /// User name prefix (users must be new to the server).
    #[arg(long, default_value = "fan-")]
    prefix: String,
    /// Logins and handshakes in flight at once.
    #[arg(long, default_value_t = 200)]
    concurrency: usize,
    /// Give up after this long (s).
    #[arg(long, default_value_t = 300)]
    pub timeout_secs: u64,
}

/// Runs the fan-out and reports rate, latency percentiles, CPU and problems.
pub async fn run(a: Args) -> Result<Value> {
    proc::check_open_files(a.users + a.concurrency + 64)?;
    let server = Server::parse(&a.server)?;
    let sockets = ws::connect_many(&server, &a.prefix, a.users, a.concurrency).await?;
    let counted = Arc::new((AtomicU64::new(0), Notify::new()));
    let readers: Vec<_> = sockets.into_iter().map(|s| tokio::spawn(receiver::run(s, a.events, counted.clone()))).collect();
    let cpu0 = (a.pid.map(|p| proc::cpu_secs(&p.to_string())).transpose()?, proc::cpu_secs("self")?);
    let start = Instant::now();
    let published = publish(&server, &a, &counted).await;
    let mut all = Vec::with_capacity(readers.len());
    for r in readers {
        all.push(r.await?);
    }
    if let Err(e) = published {
        all.push(Received { problems: vec![format!("publishing stopped: {e}")], ..Default::default() });
    }
    let wall = all.iter().filter_map(|r| r.last_at).max().unwrap_or(start) - start;
    let cpu = json!({
        "serverSecs": a.pid.map(|p| proc::cpu_secs(&p.to_string())).transpose()?.zip(cpu0.0).map(|(b, a)| b - a),
        "loadgenSecs": proc::cpu_secs("self")? - cpu0.1,
    });
    Ok(report(&a, &all, wall, cpu))
}

/// Broadcasts `events` per user in calls of `per_call`, keeping at most `window` in flight.
/// Gives up when the receivers stop making progress (they report why).
async fn publish(server: &Server, a: &Args, counted: &(AtomicU64, Notify)) -> Result<()> {
    let mut http = Http::connect(server).await?;
    let users = a.users as u64;
    let mut issued = 0;
    while issued < a.events {
        let count = a.per_call.min(a.events - issued);
        let floor = (issued + count).saturating_sub(a.window) * users;
        wait_for(counted, floor).await?;
        let body = json!({ "prefix": a.prefix, "count": count, "type": "fan" });
        let r = http.post("/test/broadcast", &body).await?;
        if r["users"] != json!(a.users) {
            return Err(format!("broadcast reached {} users, not {}: are the users new?", r["users"], a.users).into());
        }
        issued += count;
    }
    Ok(())
}

/// Waits until `floor` events were received in all; fails after [`STALL`] without progress.
async fn wait_for(counted: &(AtomicU64, Notify), floor: u64) -> Result<()> {
    let (mut seen, mut since) = (counted.0.load(Ordering::Acquire), Instant::now());
    while seen < floor {
        let _ = tokio::time::timeout(Duration::from_millis(50), counted.1.notified()).await;
        let now = counted.0.load(Ordering::Acquire);
        if now > seen {
            (seen, since) = (now, Instant::now());
        } else if since.elapsed() > STALL {
            return Err(format!("receivers stuck at {seen} events, {floor} due").into());
        }
    }
    Ok(())
}

fn report(a: &Args, all: &[Received], wall: Duration, cpu: Value) -> Value {
    let mut latencies: Vec<f64> = all.iter().flat_map(|r| r.latencies_ms.iter().copied()).collect();
    latencies.sort_by(f64::total_cmp);
    let received = latencies.len() as u64;
    let messages: u64 = all.iter().map(|r| r.messages).sum();
    let mut problems: Vec<String> = all.iter().flat_map(|r| r.problems.iter().cloned()).take(20).collect();
    if received != a.users as u64 * a.events {
        problems.push(format!("received {received} events, expected {}", a.users as u64 * a.events));
    }
    let secs = wall.as_secs_f64();
    json!({
        "users": a.users, "events": a.events, "perCall": a.per_call, "window": a.window,
        "deliveries": received, "messages": messages, "wallMs": secs * 1000.0,
        "deliveriesPerSec": received as f64 / secs,
        "latencyMs": { "p50": percentile(&latencies, 50.0), "p99": percentile(&latencies, 99.0), "max": latencies.last() },
        "cpu": cpu, "problems": problems,
    })
}

/// The `p`th percentile (nearest rank) of sorted `xs`; null when empty.
fn percentile(xs: &[f64], p: f64) -> Option<f64> {
    let rank = ((p / 100.0) * xs.len() as f64).ceil() as usize;
    xs.get(rank.clamp(1, xs.len().max(1)) - 1).copied()
}

#[cfg(test)]
mod tests {
    #[test]
    fn nearest_rank_percentiles() {
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(super::percentile(&xs, 50.0), Some(50.0));
        assert_eq!(super::percentile(&xs, 99.0), Some(99.0));
        assert_eq!(super::percentile(&xs, 100.0), Some(100.0));
        assert_eq!(super::percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(super::percentile(&[], 50.0), None);
    }
}
