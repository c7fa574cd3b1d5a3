//! `spellwire-loadgen`: drives a running `spellwire-server` and prints one JSON object.
//!
//! ```text
//! spellwire-loadgen idle   --server http://127.0.0.1:8080 --pid 1234 --connections 10000
//! spellwire-loadgen fanout --server http://127.0.0.1:8080 --pid 1234 --users 1000 --events 300
//! spellwire-loadgen soak   --server http://127.0.0.1:8080 --pid 1234 --sockets 1000 --secs 60
//! spellwire-loadgen restart --server http://127.0.0.1:8080 --publish-via http://127.0.0.1:8081 --api-key K --users 1000
//! ```
//!
//! `idle` reads the server's VmRSS before and after opening N welcomed sockets; `fanout` and
//! `soak` need the server's `--test-hooks` (they publish through `POST /test/broadcast`); `soak`
//! breaks sockets in waves while events flow and checks that none is lost and that the server's
//! memory and open files come back (tests/soak/run.sh); `restart` holds sockets while the caller
//! restarts the server and reports when each resumed (bench/restart.mjs). Every wait is bounded; a run that goes
//! wrong exits 1 after printing what it saw.
#![deny(missing_docs)]

mod fanout;
mod http;
mod idle;
mod proc;
mod receiver;
mod restart;
mod soak;
mod ws;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// A boxed error: this is a measuring tool, its errors end the run with a message.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Load generator for spellwire-server.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Server memory per idle connection (VmRSS delta / N).
    Idle(idle::Args),
    /// Fan-out: deliveries/s and publish-to-receive latency to many users.
    Fanout(fanout::Args),
    /// Soak: sockets reconnecting in waves while events flow; no loss, no leak.
    Soak(soak::Args),
    /// Restart: users resuming on the default backoff after the caller restarts the server.
    Restart(restart::Args),
}

#[tokio::main]
async fn main() -> ExitCode {
    let (result, limit) = match Cli::parse().command {
        Command::Idle(a) => {
            let limit = Duration::from_secs(a.timeout_secs);
            (tokio::time::timeout(limit, idle::run(a)).await, limit)
        }
        Command::Fanout(a) => {
            let limit = Duration::from_secs(a.timeout_secs);
            (tokio::time::timeout(limit, fanout::run(a)).await, limit)
        }
        Command::Soak(a) => {
            let limit = Duration::from_secs(a.timeout_secs);
            (tokio::time::timeout(limit, soak::run(a)).await, limit)
        }
        Command::Restart(a) => {
            let limit = Duration::from_secs(a.timeout_secs);
            (tokio::time::timeout(limit, restart::run(a)).await, limit)
        }
    };
    match result {
        Ok(Ok(report)) => {
            println!("{report}");
            let failed = report["problems"].as_array().is_some_and(|p| !p.is_empty());
            if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
        }
        Ok(Err(e)) => fail(&e.to_string()),
        Err(_) => fail(&format!("gave up after {} s (--timeout-secs)", limit.as_secs())),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("spellwire-loadgen: {message}");
    ExitCode::FAILURE
}
