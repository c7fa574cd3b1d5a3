//! `idle`: the server's resident memory per idle, welcomed connection.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::http::Server;
use crate::{proc, ws, Result};

/// Options of `idle`.
#[derive(clap::Args)]
pub struct Args {
    /// Server base URL.
    #[arg(long)]
    server: String,
    /// PID of the server process (its VmRSS is read from /proc).
    #[arg(long)]
    pid: u32,
    /// Sockets to open, one per user.
    #[arg(long, default_value_t = 10_000)]
    connections: usize,
    /// Sockets opened and closed first, so the allocator and runtime are warm.
    #[arg(long, default_value_t = 100)]
    warmup: usize,
    /// Logins and handshakes in flight at once.
    #[arg(long, default_value_t = 200)]
    concurrency: usize,
    /// Pause before each RSS reading (ms), for the server to finish its work.
    #[arg(long, default_value_t = 1500)]
    settle_ms: u64,
    /// Give up after this long (s).
    #[arg(long, default_value_t = 300)]
    pub timeout_secs: u64,
}

/// Opens the sockets and reads the RSS: `{connections, baseKb, loadedKb, perConnectionBytes, openMs}`.
pub async fn run(a: Args) -> Result<Value> {
    proc::check_open_files(a.connections + a.concurrency + 64)?;
    let server = Server::parse(&a.server)?;
    let settle = || tokio::time::sleep(Duration::from_millis(a.settle_ms));
    drop(ws::connect_many(&server, "warm-", a.warmup, a.concurrency).await?);
    settle().await;
    let base_kb = proc::rss_kb(a.pid)?;
    let t0 = Instant::now();
    let sockets = ws::connect_many(&server, "idle-", a.connections, a.concurrency).await?;
    let open_ms = t0.elapsed().as_millis() as u64;
    settle().await;
    let loaded_kb = proc::rss_kb(a.pid)?;
    drop(sockets);
    let per = (loaded_kb as f64 - base_kb as f64) * 1024.0 / a.connections as f64;
    Ok(json!({
        "connections": a.connections, "baseKb": base_kb, "loadedKb": loaded_kb,
        "perConnectionBytes": per, "openMs": open_ms, "settleMs": a.settle_ms, "problems": [],
    }))
}
