//! With `--redis`, any node takes a stream's POSTs: sends and pings are answered where they
//! arrive (the store is shared), and the frames for the stream (`sub`, `unsub`, `replay`,
//! `refresh`) are published to the node that holds it, on `{prefix}:http:{node}` (the node is
//! the session id's prefix). That node handles them as if they had been POSTed to it, counted
//! against the session's frame budget, for the session's user only; their answers go down the
//! stream. A PUBLISH that no node hears means the holder is gone: the POST answers 404.
//!
//! Each node listens on its own channel over a pub/sub connection of its own, which reconnects
//! (with backoff up to 2 s) and is pinged every 5 s like the event subscriber's
//! ([`crate::subscriber`]). Frames published while it was away are lost: their answers were to
//! arrive on the stream, and a client that sees no `subscribed` asks again on its next stream.

use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, PubSubSink, PubSubStream};
use serde::{Deserialize, Serialize};

use crate::store::StoreError;
use crate::AppState;

const PING_EVERY: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// The publishing end, kept in [`super::Sessions`].
pub struct Relay {
    conn: ConnectionManager,
    prefix: String,
}

/// Frames for a stream another node holds.
#[derive(Debug, Serialize, Deserialize)]
pub struct Forwarded {
    /// The session id.
    pub session: String,
    /// The POST's token's user; the holder ignores frames for a session of another user.
    pub user: String,
    /// The frames' texts, in order.
    pub frames: Vec<String>,
}

/// The channel a node listens on.
///
/// ```
/// assert_eq!(spellwire_server::http::relay::channel("sw", "0a1b2c3d"), "sw:http:0a1b2c3d");
/// ```
pub fn channel(prefix: &str, node: &str) -> String {
    format!("{prefix}:http:{node}")
}

impl Relay {
    /// Publishes `f` to `node`; false when no node listens there (it is gone).
    pub async fn forward(&self, node: &str, f: &Forwarded) -> Result<bool, StoreError> {
        let payload = serde_json::to_string(f).expect("strings serialize");
        let mut conn = self.conn.clone();
        let heard: i64 = redis::cmd("PUBLISH").arg(channel(&self.prefix, node)).arg(payload).query_async(&mut conn).await?;
        Ok(heard > 0)
    }
}

/// Connects the relay of a `--redis` node: its publishing connection, and the listener of its
/// channel (a task). Does nothing without `--redis`.
pub async fn start(state: &AppState) -> Result<(), StoreError> {
    let Some(url) = state.config.redis.as_deref() else { return Ok(()) };
    let client = redis::Client::open(url)?;
    let conn = ConnectionManager::new(client.clone()).await?;
    let prefix = state.config.redis_prefix.clone();
    let name = channel(&prefix, state.sessions.node());
    let first = subscribe(&client, &name).await?;
    if state.sessions.relay.set(Relay { conn, prefix }).is_err() {
        return Err(StoreError::Unavailable("the HTTP relay was started twice".into()));
    }
    tokio::spawn(run(client, name, state.clone(), first));
    Ok(())
}

async fn subscribe(client: &redis::Client, name: &str) -> Result<(PubSubSink, PubSubStream), StoreError> {
    let connect = tokio::time::timeout(Duration::from_secs(2), client.get_async_pubsub());
    let mut pubsub = connect.await.map_err(|_| StoreError::Unavailable("pub/sub connect timed out".into()))??;
    pubsub.subscribe(name).await?;
    Ok(pubsub.split())
}

/// Listens, reconnecting forever.
async fn run(client: redis::Client, name: String, state: AppState, first: (PubSubSink, PubSubStream)) {
    let mut current = Some(first);
    let mut backoff = Duration::from_millis(100);
    loop {
        if let Some((sink, stream)) = current.take() {
            backoff = Duration::from_millis(100);
            listen(sink, stream, &state).await;
            tracing::warn!("HTTP relay: redis pub/sub connection lost; reconnecting");
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
        match subscribe(&client, &name).await {
            Ok(sub) => current = Some(sub),
            Err(e) => tracing::warn!("HTTP relay: {e}"),
        }
    }
}

/// Hands each message to its session, in order, until the connection ends or stops answering.
async fn listen(mut sink: PubSubSink, mut stream: PubSubStream, state: &AppState) {
    let mut tick = tokio::time::interval(PING_EVERY);
    loop {
        tokio::select! {
            msg = stream.next() => {
                let Some(msg) = msg else { return };
                match serde_json::from_slice::<Forwarded>(msg.get_payload_bytes()) {
                    Ok(f) => deliver(state, f).await,
                    Err(e) => tracing::warn!("HTTP relay: unreadable message: {e}"),
                }
            }
            _ = tick.tick() => {
                let ping = tokio::time::timeout(Duration::from_secs(3), sink.ping::<redis::Value>());
                if !matches!(ping.await, Ok(Ok(_))) {
                    return;
                }
            }
        }
    }
}

async fn deliver(state: &AppState, f: Forwarded) {
    let Some(s) = state.sessions.get(&f.session).filter(|s| s.user == f.user) else { return };
    Box::pin(super::send::on_stream(state, &s, f.frames)).await;
}
