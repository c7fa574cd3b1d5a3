//! `soak`: many sockets reconnecting in waves while events flow, for a bounded time; then the
//! server's memory and open files must be back near where they were, and every socket must have
//! every event, once, in order.
//!
//! 1. Warm-up: every user connects, gets `--warmup-events` events (enough to fill its replay
//!    log, when the server runs with `--retain-events` at most that), and parks. The server's
//!    VmRSS and open fds with no socket open are the baseline: the same users, full logs, and
//!    an allocator that has already held every socket once.
//! 2. Soak: every user reconnects with its cursor; for `--secs` one event per user is
//!    broadcast every `1000 / --rate` ms, and every `--wave-every-ms` a random `--wave-share`
//!    of the sockets drops (no close frame) or closes (alternating waves) and reconnects after
//!    a random pause of up to a second, resuming from its cursor. VmRSS and fds are sampled at
//!    each tick (the peak).
//! 3. Drain: publishing stops; every socket must catch up to the last event; all park again,
//!    and after `--settle-ms` VmRSS and fds are read again (after).
//!
//! A promise is broken when an event is missing, repeated or out of order on any socket, a
//! resume is refused, a wave's sockets did not all reconnect, the fds after exceed the baseline
//! by more than `--fd-slack`, or VmRSS grew by more than `--rss-slack-kb` plus
//! `--growth-per-reconnect` bytes per reconnect. The slack is the allocator's noise (about 1 MiB
//! over 30 s or 120 s of this soak, not growing with reconnects); an idle connection costs the
//! server about 6 KB (BENCHMARKS.md), so leaking half of one per reconnect exceeds the bound
//! after about 1,500 reconnects, and a smaller leak in the longer run.

mod fleet;
mod session;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use spellwire::core::rng::Rng;

use crate::http::{Http, Server};
use crate::{proc, Result};
use fleet::Fleet;
use session::{Cmd, Report};

/// Options of `soak`.
#[derive(clap::Args)]
pub struct Args {
    /// Server base URL (started with --test-hooks, and --retain-events at most --warmup-events).
    #[arg(long)]
    server: String,
    /// PID of the server process (VmRSS and open fds are read from /proc).
    #[arg(long)]
    pid: u32,
    /// Sockets, one user each.
    #[arg(long, default_value_t = 1000)]
    sockets: usize,
    /// Length of the soak phase (s).
    #[arg(long, default_value_t = 60)]
    secs: u64,
    /// Events per user per second during the soak.
    #[arg(long, default_value_t = 2.0)]
    rate: f64,
    /// Time between two waves of reconnects (ms).
    #[arg(long, default_value_t = 5000)]
    wave_every_ms: u64,
    /// Share of the sockets each wave breaks.
    #[arg(long, default_value_t = 0.25)]
    wave_share: f64,
    /// Events per user in the warm-up (fills the replay logs before the baseline).
    #[arg(long, default_value_t = 100)]
    warmup_events: u64,
    /// Pause before reading VmRSS and fds with no socket open (ms).
    #[arg(long, default_value_t = 3000)]
    settle_ms: u64,
    /// VmRSS growth from the baseline to after that is allocator noise whatever happened (KiB).
    #[arg(long, default_value_t = 4096)]
    rss_slack_kb: u64,
    /// VmRSS growth allowed per reconnect on top of the slack (bytes).
    #[arg(long, default_value_t = 256)]
    growth_per_reconnect: u64,
    /// Open fds tolerated above the baseline afterwards.
    #[arg(long, default_value_t = 16)]
    fd_slack: usize,
    /// User name prefix (users must be new to the server).
    #[arg(long, default_value = "soak-")]
    prefix: String,
    /// Logins and handshakes in flight at once.
    #[arg(long, default_value_t = 200)]
    concurrency: usize,
    /// Give up after this long (s).
    #[arg(long, default_value_t = 600)]
    pub timeout_secs: u64,
}

/// How long the fleet may take to get every socket open, parked or caught up.
const FLEET_WAIT: Duration = Duration::from_secs(60);

/// The server's resident memory (KiB) and open fds at one moment.
#[derive(Debug, Clone, Copy)]
struct Usage {
    rss_kb: u64,
    fds: usize,
}

impl Usage {
    fn read(pid: u32) -> Result<Usage> {
        Ok(Usage { rss_kb: proc::rss_kb(pid)?, fds: proc::fd_count(pid)? })
    }

    fn max(self, other: Usage) -> Usage {
        Usage { rss_kb: self.rss_kb.max(other.rss_kb), fds: self.fds.max(other.fds) }
    }

    fn json(self) -> Value {
        json!({ "rssKb": self.rss_kb, "fds": self.fds })
    }
}

/// Runs the three phases and reports; `problems` lists every broken promise.
pub async fn run(a: Args) -> Result<Value> {
    proc::check_open_files(a.sockets + a.concurrency + 64)?;
    proc::check_program(a.pid, "spellwire-server")?;
    let server = Server::parse(&a.server)?;
    let users: Vec<String> = (0..a.sockets).map(|i| format!("{}{i}", a.prefix)).collect();
    let fleet = Fleet::spawn(&server, fleet::login_all(&server, &users, a.concurrency).await?, a.concurrency);
    let mut http = Http::connect(&server).await?;
    let t0 = Instant::now();
    let published = warm_up(&a, &fleet, &mut http, &users).await?;
    let base = park(&a, &fleet).await?;
    let warm_up_ms = t0.elapsed().as_millis() as u64;
    let soak = soak(&a, &fleet, &mut http, &users, published).await?;
    fleet.wait_caught_up(soak.published, FLEET_WAIT).await?;
    let after = park(&a, &fleet).await?;
    let reports = fleet.finish().await?;
    Ok(report(&a, &soak, &reports, (base, soak.peak, after), warm_up_ms))
}

/// Connects everyone, fills the logs, waits until every event arrived; returns events per user.
async fn warm_up(a: &Args, fleet: &Fleet, http: &mut Http, users: &[String]) -> Result<u64> {
    fleet.all(Cmd::Connect);
    fleet.wait_open(a.sockets, FLEET_WAIT).await?;
    let mut published = 0;
    while published < a.warmup_events {
        let count = (a.warmup_events - published).min(10);
        published += broadcast(http, users, count).await?;
    }
    fleet.wait_caught_up(published, FLEET_WAIT).await?;
    Ok(published)
}

/// Closes every socket, lets the server settle, and reads its usage.
async fn park(a: &Args, fleet: &Fleet) -> Result<Usage> {
    fleet.all(Cmd::Park);
    fleet.wait_open(0, FLEET_WAIT).await?;
    tokio::time::sleep(Duration::from_millis(a.settle_ms)).await;
    Usage::read(a.pid)
}

/// `POST /test/broadcast`: `count` events to each user; returns `count`.
async fn broadcast(http: &mut Http, users: &[String], count: u64) -> Result<u64> {
    let r = http.post("/test/broadcast", &json!({ "users": users, "count": count, "type": "soak" })).await?;
    if r["published"] != json!(count * users.len() as u64) {
        return Err(format!("broadcast answered {r}, not {count} events to each of {} users", users.len()).into());
    }
    Ok(count)
}

/// What the soak phase did.
struct Soak {
    published: u64,
    waves: u64,
    broken: u64,
    peak: Usage,
    secs: f64,
}

/// Publishes at the rate and breaks sockets in waves for `--secs`, sampling the server's usage.
async fn soak(a: &Args, fleet: &Fleet, http: &mut Http, users: &[String], mut published: u64) -> Result<Soak> {
    fleet.all(Cmd::Connect);
    fleet.wait_open(a.sockets, FLEET_WAIT).await?;
    let (start, tick) = (Instant::now(), Duration::from_secs_f64(1.0 / a.rate.max(0.01)));
    let (mut rng, mut waves, mut broken) = (Rng::new(7), 0, 0);
    let mut peak = Usage::read(a.pid)?;
    let mut next_wave = start + Duration::from_millis(a.wave_every_ms);
    while start.elapsed() < Duration::from_secs(a.secs) {
        let next_tick = Instant::now() + tick;
        published += broadcast(http, users, 1).await?;
        if Instant::now() >= next_wave {
            let cmd = if waves % 2 == 0 { Cmd::Drop } else { Cmd::Close };
            broken += fleet.some(&mut rng, a.wave_share, cmd) as u64;
            (waves, next_wave) = (waves + 1, next_wave + Duration::from_millis(a.wave_every_ms));
        }
        peak = peak.max(Usage::read(a.pid)?);
        tokio::time::sleep_until(next_tick.into()).await;
    }
    Ok(Soak { published, waves, broken, peak, secs: start.elapsed().as_secs_f64() })
}

/// The figures, and every broken promise in `problems`.
fn report(a: &Args, soak: &Soak, reports: &[Report], (base, peak, after): (Usage, Usage, Usage), warm_up_ms: u64) -> Value {
    let lost: u64 = reports.iter().map(|r| soak.published.saturating_sub(r.last) + r.skipped).sum();
    let connects: u64 = reports.iter().map(|r| r.connects).sum();
    let reconnects = connects.saturating_sub(2 * a.sockets as u64); // beyond one per phase
    let server_closes: u64 = reports.iter().map(|r| r.server_closes).sum();
    let growth = after.rss_kb as i64 - base.rss_kb as i64;
    let mut problems: Vec<String> = reports.iter().flat_map(|r| r.problems.iter().cloned()).take(20).collect();
    let session_problems: u64 = reports.iter().map(|r| r.problem_count).sum();
    if lost > 0 {
        problems.push(format!("{lost} events missing at the end"));
    }
    if soak.broken == 0 || reconnects < soak.broken {
        problems.push(format!("{} sockets broken by waves but only {reconnects} reconnects", soak.broken));
    }
    let allowed_kb = (a.rss_slack_kb + a.growth_per_reconnect * reconnects / 1024) as i64;
    if growth > allowed_kb {
        problems.push(format!("VmRSS grew {growth} KiB over {reconnects} reconnects: more than {allowed_kb} KiB"));
    }
    if after.fds > base.fds + a.fd_slack {
        problems.push(format!("{} open fds after, {} at the baseline", after.fds, base.fds));
    }
    json!({
        "sockets": a.sockets, "secs": soak.secs, "rate": a.rate, "waveEveryMs": a.wave_every_ms,
        "waveShare": a.wave_share, "warmupEvents": a.warmup_events, "warmUpMs": warm_up_ms,
        "eventsPerUser": soak.published, "deliveries": reports.iter().map(|r| r.last).sum::<u64>(),
        "lost": lost, "sessionProblems": session_problems, "waves": soak.waves, "broken": soak.broken,
        "reconnects": reconnects, "serverCloses": server_closes,
        "base": base.json(), "peak": peak.json(), "after": after.json(), "rssGrowthKb": growth,
        "allowedGrowthKb": allowed_kb, "fdSlack": a.fd_slack, "problems": problems,
    })
}
