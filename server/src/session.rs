//! What the server does with each text frame after `hello`.

use std::sync::Arc;

use serde_json::Value;
use spellwire::protocol::{ClientFrame, Message, ServerFrame};

use crate::conn::{ConnHandle, Out, CLOSE_OVERLOADED};
use crate::frames::{bad_frame, encode, parse};
use crate::limits::replay::Replays;
use crate::limits::{now_us, Limits};
use crate::socket::{Asker, Channels};
use crate::store::StoreError;
use crate::AppState;

/// Longest accepted message `type`, in characters.
pub const MAX_TYPE_CHARS: usize = 64;

/// What a socket's reader keeps between frames: its replay gates, its channels, and what its
/// token grants.
///
/// ```
/// let s = spellwire_server::session::PerSocket::new(vec!["crew:*".to_string()]);
/// assert_eq!(&s.granted[..], ["crew:*"]);
/// ```
pub struct PerSocket {
    /// One replay gate per stream ([`Replays`]): a `replay` held back is served by the read
    /// loop when due ([`replay`]).
    pub replays: Replays,
    /// The channels the socket reads ([`Channels`]).
    pub channels: Arc<Channels>,
    /// The token's `channels` claim, replaced by each good `refresh`.
    pub granted: Arc<[String]>,
}

impl PerSocket {
    /// A new socket's state, for a token granting `granted`.
    pub fn new(granted: Vec<String>) -> Self {
        Self { replays: Replays::default(), channels: Arc::default(), granted: granted.into() }
    }
}

/// Handles one text frame from an authenticated socket; replies go through `conn`'s queue.
///
/// When the store is unavailable (Redis down), a `send` is neither acked nor nacked: the
/// socket is closed with 1013, and the client resends the message after reconnecting.
pub async fn on_text(state: &AppState, user: &str, conn: &ConnHandle, me: &mut PerSocket, text: &str) {
    let reply = match parse(text) {
        Err(why) => Some(bad_frame(&why)),
        Ok(ClientFrame::Hello { .. }) => Some(bad_frame("hello is only valid as the first frame")),
        Ok(ClientFrame::Ping { id }) => {
            (!state.hub.pongs_muted(user)).then(|| encode(&ServerFrame::Pong { id }))
        }
        Ok(ClientFrame::Refresh { token }) => crate::refresh::on_refresh(state, user, conn, &mut me.granted, &token),
        Ok(ClientFrame::Send(msg)) => on_send(state, user, conn, msg).await,
        Ok(ClientFrame::Replay { after, channel }) => on_replay(state, user, conn, me, after, channel).await,
        Ok(ClientFrame::Sub { channel, resume }) => {
            let asker = Asker { state, user, granted: &me.granted, conn };
            me.channels.sub(&asker, channel, resume)
        }
        Ok(ClientFrame::Unsub { channel }) => {
            me.channels.unsub(state, conn, &channel);
            me.replays.forget(&channel);
            None
        }
    };
    if let Some(reply) = reply {
        conn.push(Out::frame(reply));
    }
}

/// A `replay`, of the personal stream or of a channel the socket reads, served now or when
/// its gate allows; an error frame for a channel the socket does not read.
async fn on_replay(state: &AppState, user: &str, conn: &ConnHandle, me: &mut PerSocket, after: u64, channel: Option<String>) -> Option<String> {
    if let Some(ch) = channel.as_deref().filter(|ch| !me.channels.joined(ch)) {
        return Some(bad_frame(&format!("replay of {ch}, which this socket has not joined")));
    }
    let interval = state.config.limits.replay_interval_us();
    if let Some(after) = me.replays.request(channel.as_deref(), now_us(), after, interval) {
        replay(state, user, conn, channel.as_deref(), after).await;
    }
    None
}

/// Queues every retained event of the personal stream (or of `channel`) after `after` to the
/// socket. On failure (Redis down) the client's gap timer replaces the socket; nothing to add.
pub async fn replay(state: &AppState, user: &str, conn: &ConnHandle, channel: Option<&str>, after: u64) {
    let done = match channel {
        None => state.hub.replay_to(user, after, conn).await,
        Some(channel) => state.hub.replay_channel(channel, after, conn).await,
    };
    if let Err(e) = done {
        tracing::debug!("replay for {user} ({channel:?}): {e}");
    }
}

/// Validates a message, then applies it here (the store's ids make a resend harmless) or,
/// with `--proxy-url`, hands it to the backend ([`crate::proxy`]) without waiting. Returns the
/// `ack` or `nack` frame; none when the proxy answers later, or when the store failed (the
/// socket is closing).
async fn on_send(state: &AppState, user: &str, conn: &ConnHandle, msg: Message<Value>) -> Option<String> {
    if let (Some(proxy), Ok(())) = (&state.proxy, check(&msg, &state.config.limits)) {
        proxy.submit(user, conn, msg);
        return None;
    }
    match answer_send(state, user, msg).await {
        Ok(answer) => Some(answer),
        Err(e) => {
            tracing::warn!("send from {user}: {e}");
            conn.close(CLOSE_OVERLOADED, "store unavailable; resend after reconnecting");
            None
        }
    }
}

/// A send's answer once it is decided: `nack` when [`check`] refuses it, else the proxy's
/// `ack`/`nack`/`retry` (waited for), else applied here once per id and `ack`ed. The HTTP
/// transport answers its POSTed sends with it; a socket, through [`on_text`].
pub async fn answer_send(state: &AppState, user: &str, msg: Message<Value>) -> Result<String, StoreError> {
    if let Err(why) = check(&msg, &state.config.limits) {
        let (id, code, message) = (msg.id, "bad_message".into(), why);
        return Ok(encode(&ServerFrame::Nack { id, code, message }));
    }
    if let Some(proxy) = &state.proxy {
        return Ok(encode(&proxy.forward(user, msg).await));
    }
    let id = msg.id.clone();
    state.hub.apply(user, msg).await?;
    Ok(encode(&ServerFrame::Ack { id, result: None }))
}

/// Why a message cannot be applied, if it cannot: an empty or long `type`, an empty `id` or
/// one longer than `limits.id_chars` (ids are kept to apply each message once, so their length
/// is memory), a `topic` longer than `limits.topic_chars`.
///
/// ```
/// use spellwire::protocol::Message;
/// use spellwire_server::{limits::Limits, session::check};
/// let m = |id: &str, t: &str| Message { id: id.into(), kind: t.into(), topic: None, data: serde_json::Value::Null };
/// let limits = Limits::default();
/// assert!(check(&m("1", "chat"), &limits).is_ok());
/// assert!(check(&m("1", ""), &limits).is_err());
/// assert!(check(&m("1", &"x".repeat(65)), &limits).is_err());
/// assert_eq!(check(&m(&"i".repeat(129), "chat"), &limits).unwrap_err(), "id is 129 characters; the limit is 128");
/// ```
pub fn check(msg: &Message<Value>, limits: &Limits) -> Result<(), String> {
    let kind = msg.kind.chars().count();
    if kind == 0 {
        return Err("type must not be empty".into());
    }
    too_long("type", kind, MAX_TYPE_CHARS)?;
    let id = msg.id.chars().count();
    if id == 0 {
        return Err("id must not be empty".into());
    }
    too_long("id", id, limits.id_chars)?;
    let topic = msg.topic.as_deref().map_or(0, |t| t.chars().count());
    too_long("topic", topic, limits.topic_chars)
}

/// A field's length against its limit, as [`check`]'s message.
fn too_long(field: &str, chars: usize, limit: usize) -> Result<(), String> {
    if chars > limit {
        return Err(format!("{field} is {chars} characters; the limit is {limit}"));
    }
    Ok(())
}
