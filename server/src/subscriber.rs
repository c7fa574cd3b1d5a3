//! The node's one pub/sub connection: every event published by any node comes in here and is
//! handed to [`Hub::deliver`]. It reconnects forever (with backoff up to 2 s), and after each
//! (re)subscription the hub re-reads the logs of its users ([`Hub::fanout_up`]), so events
//! published while it was away are not lost, only late.

use std::sync::Weak;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::PubSubStream;
use redis::Client;

use crate::hub::Hub;
use crate::store::StoreError;

/// How often the connection is pinged: a half-open TCP link would otherwise look quiet forever.
const PING_EVERY: Duration = Duration::from_secs(5);
/// Longest pause between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// A confirmed subscription: once this returns, Redis has run `SUBSCRIBE`.
pub async fn subscribe(client: &Client, channel: &str) -> Result<(redis::aio::PubSubSink, PubSubStream), StoreError> {
    let connect = async {
        let (mut sink, stream) = client.get_async_pubsub().await?.split();
        sink.subscribe(channel).await?;
        Ok::<_, StoreError>((sink, stream))
    };
    tokio::time::timeout(Duration::from_secs(2), connect)
        .await
        .map_err(|_| StoreError::Unavailable("subscribe timed out".into()))?
}

/// Runs until the hub is dropped, starting from an already confirmed subscription.
pub async fn run(client: Client, channel: String, hub: Weak<Hub>, first: (redis::aio::PubSubSink, PubSubStream)) {
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
            h.fanout_down();
            tracing::warn!("redis pub/sub connection lost; reconnecting");
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
        match subscribe(&client, &channel).await {
            Ok(sub) => current = Some(sub),
            Err(e) => tracing::warn!("redis pub/sub: {e}"),
        }
    }
}

/// Forwards messages until the connection ends or stops answering pings.
async fn listen(mut sink: redis::aio::PubSubSink, mut stream: PubSubStream, hub: &Weak<Hub>) {
    let mut tick = tokio::time::interval(PING_EVERY);
    loop {
        tokio::select! {
            msg = stream.next() => {
                let Some(msg) = msg else { return };
                let Some(hub) = hub.upgrade() else { return };
                if let Some((user, seq, frame)) = parse(msg.get_payload_bytes()) {
                    hub.deliver(user, seq, frame.into());
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

/// `{user}\n{seq}\n{frame}` (user names cannot contain a newline).
///
/// ```
/// let m = spellwire_server::subscriber::parse(b"ann\n7\n{\"op\":\"event\"}");
/// assert_eq!(m, Some(("ann", 7, "{\"op\":\"event\"}")));
/// ```
pub fn parse(payload: &[u8]) -> Option<(&str, u64, &str)> {
    let text = std::str::from_utf8(payload).ok()?;
    let (user, rest) = text.split_once('\n')?;
    let (seq, frame) = rest.split_once('\n')?;
    Some((user, seq.parse().ok()?, frame))
}
