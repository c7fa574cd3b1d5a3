//! `spellwire-server`: parse flags, bind, print the address, serve.
//!
//! ```text
//! spellwire-server --addr 127.0.0.1:0 --test-hooks
//! spellwire-server listening on http://127.0.0.1:41234
//! ```

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use spellwire_server::{app, config::Config, AppState};

/// Reference server for the spellwire realtime SDK.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on (port 0 picks a free port; the real one is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Directory served at `/`.
    #[arg(long, default_value = "www")]
    www: PathBuf,
    /// Directory served at `/pkg` (wasm-pack output).
    #[arg(long, default_value = "pkg")]
    pkg: PathBuf,
    /// Enable the `/test/*` hooks (never in production).
    #[arg(long)]
    test_hooks: bool,
    /// Heartbeat interval advertised to clients (ms).
    #[arg(long, default_value_t = 25_000)]
    heartbeat_ms: u64,
    /// Largest accepted client message (bytes); bigger closes the socket with 1009.
    #[arg(long, default_value_t = 65_536)]
    max_message_bytes: usize,
    /// Events kept per user for replay.
    #[arg(long, default_value_t = 1000)]
    retain_events: usize,
    /// Seconds events are kept for replay.
    #[arg(long, default_value_t = 120)]
    retain_secs: u64,
    /// Origin allowed to open WebSockets (repeatable; none given = any origin).
    #[arg(long = "allow-origin")]
    allow_origin: Vec<String>,
    /// HMAC secret for login tokens (default: random per process).
    #[arg(long)]
    secret: Option<String>,
    /// Login token lifetime (s).
    #[arg(long, default_value_t = 3600)]
    token_ttl_secs: u64,
    /// Keep logs, epoch and message ids in Redis (e.g. redis://127.0.0.1:6379), so several
    /// nodes serve the same users; see docs/SCALING.md. Without it, all state is in memory.
    #[arg(long)]
    redis: Option<String>,
    /// Prefix of the Redis keys and channel.
    #[arg(long, default_value = "spellwire")]
    redis_prefix: String,
}

impl Args {
    fn into_config(self) -> Config {
        let defaults = Config::default();
        Config {
            www: self.www,
            pkg: self.pkg,
            test_hooks: self.test_hooks,
            heartbeat_ms: self.heartbeat_ms,
            max_message_bytes: self.max_message_bytes,
            retain_events: self.retain_events,
            retain_secs: self.retain_secs,
            allow_origins: self.allow_origin,
            secret: self.secret.map_or_else(|| defaults.secret.clone(), String::into_bytes),
            token_ttl_secs: self.token_ttl_secs,
            redis: self.redis,
            redis_prefix: self.redis_prefix,
            ..defaults
        }
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let args = Args::parse();
    let bind = args.addr;
    let state = AppState::build(args.into_config()).await.map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "spellwire-server listening on http://{addr}")?;
    out.flush()?;
    drop(out);
    axum::serve(listener, app(state)).await
}
