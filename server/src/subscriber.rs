//! The node's pub/sub connection. Each stream's events are published on the stream's own
//! channel ([`crate::redis_store::keys::events_channel`]), and the node subscribes only to the
//! streams its sockets read ([`Subscriptions`]), so it receives no event no socket here wants.
//! Whatever arrives is handed to [`Hub::deliver_to`]. The connection reconnects forever (with
//! backoff up to 2 s) and is pinged every 5 s; after each reconnection every wanted stream is
//! subscribed again, confirmed, and then the hub re-reads those streams' logs
//! ([`Hub::fanout_up`]), so events published while it was away are not lost, only late.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{PubSubSink, PubSubStream};
use redis::Client;

use crate::hub::Hub;
use crate::redis_store::keys::parse_wire_id;
use crate::store::StoreError;
use crate::stream::Stream;

mod interest;

pub use interest::Subscriptions;

/// How often the connection is pinged: a half-open TCP link would otherwise look quiet forever.
const PING_EVERY: Duration = Duration::from_secs(5);
/// Longest pause between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// A new pub/sub connection with every stream `subs` wants subscribed and confirmed.
///
/// ```no_run
/// # use std::sync::Arc;
/// # use spellwire_server::{hub::Hub, subscriber::{self, Subscriptions}};
/// # async fn f(client: redis::Client, hub: Arc<Hub>) -> Result<(), spellwire_server::store::StoreError> {
/// let subs = Arc::new(Subscriptions::new("sw"));
/// let first = subscriber::subscribe(&client, &subs).await?;
/// tokio::spawn(subscriber::run(client, subs, Arc::downgrade(&hub), first));
/// # Ok(()) }
/// ```
pub async fn subscribe(client: &Client, subs: &Subscriptions) -> Result<(PubSubSink, PubSubStream), StoreError> {
    let (sink, stream) = tokio::time::timeout(Duration::from_secs(2), client.get_async_pubsub())
        .await
        .map_err(|_| StoreError::Unavailable("pub/sub connect timed out".into()))??
        .split();
    subs.install(sink.clone()).await?;
    Ok((sink, stream))
}

/// Runs until the hub is dropped, starting from a connection [`subscribe`] made (example
/// there).
pub async fn run(client: Client, subs: Arc<Subscriptions>, hub: Weak<Hub>, first: (PubSubSink, PubSubStream)) {
    let mut current = Some(first);
    let mut backoff = Duration::from_millis(100);
    loop {
        if let Some((sink, stream)) = current.take() {
            let Some(h) = hub.upgrade() else { return };
            h.fanout_up();
            drop(h);
            backoff = Duration::from_millis(100);
            listen(sink, stream, &hub).await;
            let Some(h) = hub.upgrade() else { return };
            // In this order: a join that finds the connection gone (and so returns without a
            // confirmation) also finds the subscription unsteady, and resyncs.
            h.fanout_down();
            subs.lost();
            tracing::warn!("redis pub/sub connection lost; reconnecting");
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
        match subscribe(&client, &subs).await {
            Ok(sub) => current = Some(sub),
            Err(e) => tracing::warn!("redis pub/sub: {e}"),
        }
    }
}

/// Forwards messages until the connection ends or stops answering pings.
async fn listen(mut sink: PubSubSink, mut stream: PubSubStream, hub: &Weak<Hub>) {
    let mut tick = tokio::time::interval(PING_EVERY);
    loop {
        tokio::select! {
            msg = stream.next() => {
                let Some(msg) = msg else { return };
                let Some(hub) = hub.upgrade() else { return };
                if let Some((stream, seq, frame)) = parse(msg.get_payload_bytes()) {
                    hub.deliver_to(&stream, seq, frame.into());
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

/// `{wire id}\n{seq}\n{frame}` ([`crate::redis_store::keys::wire_id`]; user and channel names
/// cannot contain a newline).
///
/// ```
/// use spellwire_server::stream::Stream;
/// let m = spellwire_server::subscriber::parse(b"c:room:1\n7\n{\"op\":\"event\"}");
/// assert_eq!(m, Some((Stream::Channel("room:1".into()), 7, "{\"op\":\"event\"}")));
/// assert_eq!(spellwire_server::subscriber::parse(b"ann\n7\n{}"), None);
/// ```
pub fn parse(payload: &[u8]) -> Option<(Stream, u64, &str)> {
    let text = std::str::from_utf8(payload).ok()?;
    let (id, rest) = text.split_once('\n')?;
    let (seq, frame) = rest.split_once('\n')?;
    Some((parse_wire_id(id)?, seq.parse().ok()?, frame))
}
