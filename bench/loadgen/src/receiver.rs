//! One fan-out user's socket: reads events until it has them all, checks their order, and
//! times each from the publish stamp in its data to its arrival.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use spellwire::protocol::{ClientFrame, ServerFrame};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use crate::ws::{frames, Socket};

/// A socket that brings nothing for this long has stalled.
pub const STALL: Duration = Duration::from_secs(20);
/// The server closes sockets silent for two heartbeats plus slack; ping well before.
const PING_EVERY: Duration = Duration::from_secs(15);

/// The data of a broadcast event.
#[derive(Deserialize)]
struct Stamp {
    /// Unix ms at publish.
    t: f64,
}

/// What one socket saw.
#[derive(Default)]
pub struct Received {
    /// Publish-to-receive time of each event (ms).
    pub latencies_ms: Vec<f64>,
    /// WebSocket messages (an array of frames counts once).
    pub messages: u64,
    /// When the last event arrived.
    pub last_at: Option<Instant>,
    /// Anything wrong: gaps, duplicates, closes, stalls.
    pub problems: Vec<String>,
}

/// Reads until `want` events arrived (or a problem), adding each to the shared count.
pub async fn run(mut ws: Socket, want: u64, counted: Arc<(AtomicU64, Notify)>) -> Received {
    let mut got = Received { latencies_ms: Vec::with_capacity(want as usize), ..Default::default() };
    let mut last_ping = Instant::now();
    while got.problems.is_empty() && (got.latencies_ms.len() as u64) < want {
        if last_ping.elapsed() > PING_EVERY {
            last_ping = Instant::now();
            if let Err(e) = ping(&mut ws).await {
                got.problems.push(format!("ping: {e}"));
            }
        }
        match next_text(&mut ws, got.latencies_ms.len()).await {
            Ok(Some(text)) => take(&mut got, &text, &counted),
            Ok(None) => {}
            Err(problem) => got.problems.push(problem),
        }
    }
    got
}

/// The next text message (None for control frames), or what went wrong.
async fn next_text(ws: &mut Socket, so_far: usize) -> Result<Option<Utf8Bytes>, String> {
    match tokio::time::timeout(STALL, ws.next()).await {
        Ok(Some(Ok(Message::Text(t)))) => Ok(Some(t)),
        Ok(Some(Ok(Message::Close(f)))) => Err(format!("closed by the server: {f:?}")),
        Ok(Some(Ok(_))) => Ok(None),
        Ok(Some(Err(e))) => Err(format!("socket error: {e}")),
        Ok(None) => Err("socket ended".into()),
        Err(_) => Err(format!("nothing for {} s after {so_far} events", STALL.as_secs())),
    }
}

async fn ping(ws: &mut Socket) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    let ping = serde_json::to_string(&ClientFrame::<()>::Ping { id: 1 }).unwrap_or_default();
    ws.send(Message::text(ping)).await
}

/// Records the events of one message.
fn take(got: &mut Received, text: &str, counted: &(AtomicU64, Notify)) {
    let now = unix_ms();
    got.messages += 1;
    let Ok(list) = frames::<Stamp>(text) else { return got.problems.push(format!("unreadable message: {text:.200}")) };
    let mut events = 0;
    for frame in list {
        let ServerFrame::Event(e) = frame else { continue };
        let expected = got.latencies_ms.len() as u64 + 1;
        if e.seq != expected {
            return got.problems.push(format!("seq {} where {expected} was due", e.seq));
        }
        got.latencies_ms.push(now - e.data.t);
        events += 1;
    }
    if events > 0 {
        got.last_at = Some(Instant::now());
        counted.0.fetch_add(events, Ordering::Release);
        counted.1.notify_one();
    }
}

fn unix_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}
