//! `restart`: many users reconnecting after a server restart, on the client's default backoff.
//!
//! Every user logs in and holds one welcomed socket; then this prints `ready` on stderr and waits
//! for the caller (bench/restart.mjs) to kill the server. When every socket has seen it go, one
//! event per user is published through another node on the same Redis (`--publish-via`), so
//! each user has one event to resume, and `published` is printed; the caller starts the server
//! again on the same address. Each user retries as the browser client does by default: after a
//! connection that lasted `resetAfterMs` the attempt count starts over, and each try waits
//! `Backoff::default().delay(attempt, random)` (the core's own schedule: full jitter, 500 ms cap
//! doubling up to 20 s), with the client's default 5 s connect timeout; its `hello` carries the
//! cursor of its welcome. A user has resumed when the missed event arrives. The report gives,
//! per user, that moment (Unix ms), when its successful attempt began and the attempts it took.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{stream, SinkExt, StreamExt};
use serde_json::{json, Value};
use spellwire::core::backoff::Backoff;
use spellwire::core::rng::Rng;
use spellwire::protocol::{ClientFrame, Cursor, ServerFrame};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::http::{Http, Server};
use crate::ws::{frames, Socket};
use crate::{proc, ws, Result};

/// The browser client's default `connectTimeoutMs` (src/options.rs).
const CONNECT_TIMEOUT: Duration = Duration::from_millis(5000);
/// Users per publish request.
const PUBLISH_BATCH: usize = 100;

/// Options of `restart`.
#[derive(clap::Args)]
pub struct Args {
    /// The server that will be restarted.
    #[arg(long)]
    server: String,
    /// Another node on the same Redis, through which the missed events are published.
    #[arg(long)]
    publish_via: String,
    /// The API key of `--publish-via` (POST /api/publish).
    #[arg(long)]
    api_key: String,
    /// Users, one socket each.
    #[arg(long, default_value_t = 1000)]
    users: usize,
    /// Logins and first handshakes in flight at once (before the restart only).
    #[arg(long, default_value_t = 100)]
    concurrency: usize,
    /// Give up after this long (s).
    #[arg(long, default_value_t = 300)]
    pub timeout_secs: u64,
}

/// What one user saw after the kill.
struct Outcome {
    /// When its socket saw the server go (Unix ms).
    closed_at: f64,
    /// When the missed event arrived (Unix ms).
    resumed_at: f64,
    /// When the attempt that succeeded began, after its backoff wait (Unix ms).
    attempt_at: f64,
    /// Connection attempts after the kill, the successful one included.
    attempts: u32,
    /// The welcome said `resumed: true`.
    resumed_flag: bool,
    /// Kept open until every user has resumed, as a real page would.
    _socket: Socket,
}

fn unix_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Logs in, connects and waits; see the module docs. `{users, resumedAtMs, closedAtMs, attempts, ...}`.
pub async fn run(a: Args) -> Result<Value> {
    proc::check_open_files(a.users + a.concurrency + 64)?;
    let server = Server::parse(&a.server)?;
    let prefix = format!("restart-{}-", unix_ms() as u64);
    let users: Vec<(String, String, Socket, Cursor)> = stream::iter(0..a.users)
        .map(|i| first_connect(server.clone(), format!("{prefix}{i}")))
        .buffer_unordered(a.concurrency.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    let closed = Arc::new((AtomicUsize::new(0), Notify::new()));
    let names: Vec<String> = users.iter().map(|u| u.0.clone()).collect();
    eprintln!("ready {}", users.len());
    let tasks: Vec<_> = users
        .into_iter()
        .enumerate()
        .map(|(i, (_, token, socket, cursor))| tokio::spawn(session(server.clone(), token, socket, cursor, i as u64 + 1, closed.clone())))
        .collect();
    while closed.0.load(Ordering::Acquire) < names.len() {
        closed.1.notified().await;
    }
    let published_at = unix_ms();
    publish(&Server::parse(&a.publish_via)?, &a.api_key, &names).await?;
    eprintln!("published");
    let mut outcomes = Vec::with_capacity(tasks.len());
    for t in tasks {
        outcomes.push(t.await??);
    }
    let report = json!({
        "users": outcomes.len(),
        "publishedAtMs": published_at,
        "closedAtMs": outcomes.iter().map(|o| o.closed_at).collect::<Vec<_>>(),
        "resumedAtMs": outcomes.iter().map(|o| o.resumed_at).collect::<Vec<_>>(),
        "attemptAtMs": outcomes.iter().map(|o| o.attempt_at).collect::<Vec<_>>(),
        "attempts": outcomes.iter().map(|o| o.attempts).collect::<Vec<_>>(),
        "resumedFlags": outcomes.iter().filter(|o| o.resumed_flag).count(),
        "problems": [],
    });
    drop(outcomes); // the sockets close only now, every user having resumed
    Ok(report)
}

/// Logs `user` in and opens its first socket; its token and the cursor its welcome gives.
async fn first_connect(server: Server, user: String) -> Result<(String, String, Socket, Cursor)> {
    let token = Http::connect(&server).await?.login(&user).await?;
    let (socket, welcome) = ws::open(&server, &token).await.map_err(|e| format!("{user}: {e}"))?;
    let cursor = Cursor { epoch: welcome.epoch, seq: welcome.head };
    Ok((user, token, socket, cursor))
}

/// One user from the kill to the missed event.
async fn session(server: Server, token: String, mut socket: Socket, cursor: Cursor, seed: u64, closed: Arc<(AtomicUsize, Notify)>) -> Result<Outcome> {
    while let Some(Ok(m)) = socket.next().await {
        if m.is_close() {
            break;
        }
    }
    let closed_at = unix_ms();
    closed.0.fetch_add(1, Ordering::AcqRel);
    closed.1.notify_one();
    let backoff = Backoff::default();
    let mut rng = Rng::new(seed);
    // The first connection's attempt count was 0 (it starts over after resetAfterMs anyway).
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let delay = backoff.delay(attempt, rng.next_f64());
        tokio::time::sleep(Duration::from_secs_f64(delay / 1000.0)).await;
        let attempt_at = unix_ms();
        if let Ok(Ok((socket, resumed_flag, rest))) = tokio::time::timeout(CONNECT_TIMEOUT, resume(&server, &token, &cursor)).await {
            let (socket, resumed_at) = match has_event(&rest, cursor.seq + 1)? {
                true => (socket, unix_ms()),
                false => wait_event(socket, cursor.seq + 1).await?,
            };
            return Ok(Outcome { closed_at, resumed_at, attempt_at, attempts: attempt, resumed_flag, _socket: socket });
        }
    }
}

/// Opens a socket and says hello with `cursor`; the socket, the welcome's `resumed` and the
/// frames that came in the welcome's message after it (the replay may begin there).
async fn resume(server: &Server, token: &str, cursor: &Cursor) -> Result<(Socket, bool, Vec<ServerFrame<Value>>)> {
    let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(server.ws_url(), Some(config), true).await?;
    let hello = ClientFrame::<()>::Hello { token: token.to_owned(), resume: Some(cursor.clone()) };
    ws.send(Message::text(serde_json::to_string(&hello)?)).await?;
    loop {
        match ws.next().await.ok_or("socket ended before welcome")?? {
            Message::Text(t) => match frames::<Value>(&t)?.into_iter().next() {
                Some(ServerFrame::Welcome(w)) => return Ok((ws, w.resumed, frames::<Value>(&t)?.into_iter().skip(1).collect())),
                other => return Err(format!("expected welcome, got {other:?}").into()),
            },
            Message::Close(f) => return Err(format!("closed before welcome: {f:?}").into()),
            _ => continue,
        }
    }
}

/// Reads until the personal stream's event `seq` arrives; the socket and when (Unix ms).
async fn wait_event(mut ws: Socket, seq: u64) -> Result<(Socket, f64)> {
    loop {
        match ws.next().await.ok_or("socket ended before the missed event")?? {
            Message::Text(t) if has_event(&frames::<Value>(&t)?, seq)? => return Ok((ws, unix_ms())),
            Message::Close(f) => return Err(format!("closed before the missed event: {f:?}").into()),
            _ => {}
        }
    }
}

/// Whether `frames` hold the personal stream's event `seq`; an error if a later one comes first.
fn has_event(frames: &[ServerFrame<Value>], seq: u64) -> Result<bool> {
    for f in frames {
        match f {
            ServerFrame::Event(e) if e.channel.is_none() && e.seq == seq => return Ok(true),
            ServerFrame::Event(e) if e.channel.is_none() && e.seq > seq => return Err(format!("seq {} before {seq}", e.seq).into()),
            _ => {}
        }
    }
    Ok(false)
}

/// One event to each of `users` through `/api/publish`, `PUBLISH_BATCH` users per request.
async fn publish(via: &Server, api_key: &str, users: &[String]) -> Result<()> {
    let mut http = Http::connect(via).await?;
    for chunk in users.chunks(PUBLISH_BATCH) {
        http.post_with_key("/api/publish", api_key, &json!({ "users": chunk, "type": "missed", "data": null })).await?;
    }
    Ok(())
}
