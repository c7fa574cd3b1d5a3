//! Wire frames shared by the SDK and `spellwire-server`, so the two can never disagree.
//!
//! Every frame is a JSON object in a WebSocket text message, tagged by `op`. The server may put
//! several frames in one message as a JSON array (the browser pays per message, not per event).
//! The application payload `data` is generic: the server uses `serde_json::Value`, the browser
//! client keeps the JS object `JSON.parse` produced, untouched. docs/PROTOCOL.md is the prose
//! version of this file.
//!
//! ```
//! use spellwire::protocol::{ClientFrame, Cursor};
//! let hello: ClientFrame<()> = ClientFrame::Hello {
//!     token: "T".into(),
//!     resume: Some(Cursor { epoch: "e1".into(), seq: 7 }),
//! };
//! assert_eq!(
//!     serde_json::to_string(&hello).unwrap(),
//!     r#"{"op":"hello","token":"T","resume":{"epoch":"e1","seq":7}}"#
//! );
//! ```

use serde::{Deserialize, Serialize};

/// Close code the server uses when the hello frame's token is missing, bad or expired.
///
/// ```
/// assert_eq!(spellwire::protocol::CLOSE_UNAUTHORIZED, 4401);
/// ```
pub const CLOSE_UNAUTHORIZED: u16 = 4401;

/// Close code the server uses when a client breaks the protocol (first frame not hello, ...).
///
/// ```
/// assert_eq!(spellwire::protocol::CLOSE_PROTOCOL, 4400);
/// ```
pub const CLOSE_PROTOCOL: u16 = 4400;

/// Close code the client uses when it gives up on a silent socket (heartbeat or connect timeout).
///
/// ```
/// assert_eq!(spellwire::protocol::CLOSE_TIMEOUT, 4408);
/// ```
pub const CLOSE_TIMEOUT: u16 = 4408;

/// Standard close code for "message too big" (RFC 6455), used above the size limit.
///
/// ```
/// assert_eq!(spellwire::protocol::CLOSE_TOO_BIG, 1009);
/// ```
pub const CLOSE_TOO_BIG: u16 = 1009;

/// Close code the server uses when a socket sends frames faster than its rate limit allows.
/// The client waits longer than usual before reconnecting (and says so in `state.reason`).
///
/// ```
/// assert_eq!(spellwire::protocol::CLOSE_RATE_LIMITED, 4429);
/// ```
pub const CLOSE_RATE_LIMITED: u16 = 4429;

/// Close code the server uses when the connection's token expired and no `refresh` replaced
/// it in time. The client asks its token function again and reconnects with resume; a fixed
/// string token cannot be renewed, so the client stops (`failed`, reason `token_expired`).
///
/// ```
/// assert_eq!(spellwire::protocol::CLOSE_TOKEN_EXPIRED, 4419);
/// ```
pub const CLOSE_TOKEN_EXPIRED: u16 = 4419;

/// Where a client's event stream stands: the server log's epoch and the last seq delivered.
///
/// ```
/// let c = spellwire::protocol::Cursor { epoch: "e1".into(), seq: 41 };
/// assert_eq!(c.seq + 1, 42); // the next event the client expects
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Identity of the server's log; it changes when the server loses its history.
    pub epoch: String,
    /// Last sequence number the client delivered to its subscribers.
    pub seq: u64,
}

/// A frame the client sends.
///
/// ```
/// use spellwire::protocol::ClientFrame;
/// let f: ClientFrame<i32> = serde_json::from_str(r#"{"op":"ping","id":3}"#).unwrap();
/// assert_eq!(f, ClientFrame::Ping { id: 3 });
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum ClientFrame<D> {
    /// First frame on every socket: credentials and, when the client has one, its cursor.
    Hello {
        /// Token from `POST /api/login` (never in the URL, where logs would keep it).
        token: String,
        /// Resume point; absent on a client's very first connection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Cursor>,
    },
    /// Heartbeat; the server answers `pong` with the same id.
    Ping {
        /// Client-chosen number echoed back, to pair pong with ping.
        id: u64,
    },
    /// An application message; the server answers `ack` (or `nack`) with the same id.
    Send(Message<D>),
    /// Ask the server to resend every retained event after `after` (gap repair).
    Replay {
        /// Last seq the client has; the server resends `after + 1 ..`.
        after: u64,
        /// The channel whose log to replay; absent: the personal stream.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<String>,
    },
    /// Join a channel: the server answers `subscribed` (then the replay and live events, each
    /// with `channel` set) or `refused`. Sent for every joined channel after each `welcome`.
    Sub {
        /// The channel, `namespace:name` ([`check_channel`]).
        channel: String,
        /// The channel's cursor, when the client has one (same rule as `hello.resume`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Cursor>,
    },
    /// Leave a channel: the server stops delivering it to this socket and frees its state.
    Unsub {
        /// The channel.
        channel: String,
    },
    /// A new token for the same user before the current one expires; the server answers
    /// `refreshed` and the socket stays up (a token for another user or a bad one closes it
    /// with 4401).
    Refresh {
        /// The new token.
        token: String,
    },
}

/// An application message from the client. The id is an idempotency key: a resent id is
/// acked again but applied once.
///
/// ```
/// use spellwire::protocol::Message;
/// let m = Message { id: "a-1".into(), kind: "chat".into(), topic: None, data: 1 };
/// assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"id":"a-1","type":"chat","data":1}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message<D> {
    /// Unique per message, kept across resends.
    pub id: String,
    /// Application event name.
    #[serde(rename = "type")]
    pub kind: String,
    /// Optional routing label, e.g. `room:1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Application payload.
    pub data: D,
}

/// A frame the server sends.
///
/// ```
/// use spellwire::protocol::ServerFrame;
/// let f: ServerFrame<serde_json::Value> =
///     serde_json::from_str(r#"{"op":"ack","id":"a-1"}"#).unwrap();
/// assert_eq!(f, ServerFrame::Ack { id: "a-1".into(), result: None });
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum ServerFrame<D> {
    /// Answer to a good hello. Replayed events (seq > `after`) follow, then live ones.
    Welcome(Welcome),
    /// Answer to a good `sub`: the channel's replay (seq > `after`) follows, then live events.
    Subscribed(Subscribed),
    /// Answer to a `sub` the server will not serve. The socket and other channels carry on.
    Refused {
        /// The channel.
        channel: String,
        /// `forbidden`, `bad_channel`, `too_many_channels` (final) or `unavailable` (the
        /// store or the subscribe proxy is down: the client may ask again after a backoff).
        code: String,
        /// Human-readable reason.
        message: String,
    },
    /// An application event for this user.
    Event(Event<D>),
    /// Answer to `ping`.
    Pong {
        /// The ping's id.
        id: u64,
    },
    /// The message with this id was applied (now or earlier: acks are idempotent).
    Ack {
        /// The message's id.
        id: String,
        /// What the application backend answered (send proxy), resolved by `send`'s promise;
        /// absent without a proxy.
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<D>,
    },
    /// The message with this id was refused and will not be applied.
    Nack {
        /// The message's id.
        id: String,
        /// Machine-readable reason, e.g. `bad_message`.
        code: String,
        /// Human-readable reason.
        message: String,
    },
    /// The message with this id could not be applied now (the backend is down, slow or
    /// answered 5xx): it is not acked, stays in the client's outbox and is resent with the
    /// same id after a backoff.
    Retry {
        /// The message's id.
        id: String,
        /// Machine-readable reason, e.g. `backend_unavailable`.
        code: String,
        /// Human-readable reason.
        message: String,
    },
    /// Answer to `refresh`: the new token is in force.
    Refreshed {
        /// Milliseconds until the new token expires (absent: it does not expire).
        #[serde(default, rename = "expiresInMs", skip_serializing_if = "Option::is_none")]
        expires_in_ms: Option<u64>,
    },
    /// Something the client sent could not be understood; the socket stays open.
    Error {
        /// Machine-readable reason, e.g. `bad_frame`.
        code: String,
        /// Human-readable reason.
        message: String,
    },
}

/// The server's answer to `hello`.
///
/// ```
/// use spellwire::protocol::Welcome;
/// let w: Welcome = serde_json::from_str(
///     r#"{"epoch":"e1","after":0,"resumed":false,"heartbeatMs":25000,"head":3}"#).unwrap();
/// assert_eq!((w.heartbeat_ms, w.head), (25000, 3));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Welcome {
    /// The log's epoch; the client stores it in its cursor.
    pub epoch: String,
    /// Replay starts after this seq: the next event is `after + 1`.
    pub after: u64,
    /// True when the hello's cursor was honoured (same epoch, still inside the window).
    pub resumed: bool,
    /// Heartbeat interval the server suggests (ms).
    pub heartbeat_ms: u64,
    /// Newest seq in the log when the welcome was sent: events up to it are replays. Optional
    /// on the wire (0 when absent), it only feeds the client's `replayed` counter.
    #[serde(default)]
    pub head: u64,
    /// Milliseconds until the connection's token expires, counted from this frame (relative,
    /// so client and server clocks need not agree). The client sends `refresh` before then;
    /// absent when the token does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_ms: Option<u64>,
}

/// The server's answer to `sub`: the channel's own log position, by the rule of [`Welcome`].
///
/// ```
/// use spellwire::protocol::Subscribed;
/// let s: Subscribed = serde_json::from_str(
///     r#"{"channel":"crew:a","epoch":"e1","after":0,"resumed":false,"head":3}"#).unwrap();
/// assert_eq!((s.channel.as_str(), s.head), ("crew:a", 3));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscribed {
    /// The channel.
    pub channel: String,
    /// The channel log's epoch; the client keeps it in the channel's cursor.
    pub epoch: String,
    /// Replay starts after this seq.
    pub after: u64,
    /// True when the `sub`'s cursor was honoured.
    pub resumed: bool,
    /// Newest seq in the channel's log at this moment (0 when absent).
    #[serde(default)]
    pub head: u64,
}

/// Longest channel name, in bytes.
///
/// ```
/// assert_eq!(spellwire::protocol::MAX_CHANNEL_LEN, 128);
/// ```
pub const MAX_CHANNEL_LEN: usize = 128;

/// Checks a channel name: `namespace:name`, at most [`MAX_CHANNEL_LEN`] bytes; the namespace is
/// 1 to 32 of `A-Z a-z 0-9 _ -`, the name one or more of `A-Z a-z 0-9 _ - . : @ =`. Client and
/// server both apply it, so a bad name fails at once in the page with the same words.
///
/// ```
/// use spellwire::protocol::check_channel;
/// assert!(check_channel("crew:alpha").is_ok());
/// assert!(check_channel("run:42:steps").is_ok());
/// assert!(check_channel("alpha").is_err());
/// assert!(check_channel("crew:").is_err());
/// assert!(check_channel("crew:a b").is_err());
/// ```
pub fn check_channel(name: &str) -> Result<(), &'static str> {
    // Bytes, not chars: every allowed character is ASCII, and byte checks are smaller in wasm.
    let ns_byte = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-';
    let name_byte = |b: &u8| ns_byte(b) || matches!(b, b'.' | b':' | b'@' | b'=');
    let bytes = name.as_bytes();
    let Some(colon) = bytes.iter().position(|b| *b == b':') else {
        return Err("a channel is named namespace:name");
    };
    let (ns, rest) = (&bytes[..colon], &bytes[colon + 1..]);
    if bytes.len() > MAX_CHANNEL_LEN {
        Err("a channel name is at most 128 bytes")
    } else if ns.is_empty() || ns.len() > 32 || !ns.iter().all(ns_byte) {
        Err("a channel namespace is 1 to 32 of A-Z a-z 0-9 _ -")
    } else if rest.is_empty() || !rest.iter().all(name_byte) {
        Err("a channel name (after the namespace) is 1 or more of A-Z a-z 0-9 _ - . : @ =")
    } else {
        Ok(())
    }
}

/// An application event, as the page's subscribers receive it: `{ type, topic, seq, data }`.
///
/// ```
/// use spellwire::protocol::Event;
/// let e = Event { channel: None, seq: 1, kind: "step_completed".into(), topic: Some("cast:1".into()), data: 0.5 };
/// assert_eq!(
///     serde_json::to_string(&e).unwrap(),
///     r#"{"seq":1,"type":"step_completed","topic":"cast:1","data":0.5}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event<D> {
    /// The channel the event belongs to; absent: the user's personal stream. First on the
    /// wire, before `seq` (channel names hold no quotes, so `"seq":` appears once in the frame
    /// before any user data, which the Redis store relies on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Sequence number within its stream (personal or channel), from 1, without gaps.
    pub seq: u64,
    /// Application event name.
    #[serde(rename = "type")]
    pub kind: String,
    /// Optional routing label, e.g. `cast:42`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Application payload (`null` when the event has none).
    pub data: D,
}

/// JSON field names, for code that reads or writes frames without serde (the browser layer
/// uses `JSON.parse`/`JSON.stringify` directly, which keeps the wasm small). A native test
/// checks them against what serde produces from the types above, so the two cannot drift.
///
/// ```
/// assert_eq!(spellwire::protocol::keys::HEARTBEAT_MS, "heartbeatMs");
/// ```
pub mod keys {
    /// The frame tag.
    pub const OP: &str = "op";
    /// `hello.token`.
    pub const TOKEN: &str = "token";
    /// `hello.resume`.
    pub const RESUME: &str = "resume";
    /// Epoch in `welcome` and in a cursor.
    pub const EPOCH: &str = "epoch";
    /// Seq in an event and in a cursor.
    pub const SEQ: &str = "seq";
    /// Id of ping, pong, send, ack, nack.
    pub const ID: &str = "id";
    /// Application event name.
    pub const TYPE: &str = "type";
    /// Routing label.
    pub const TOPIC: &str = "topic";
    /// Application payload.
    pub const DATA: &str = "data";
    /// `replay.after` and `welcome.after`.
    pub const AFTER: &str = "after";
    /// `welcome.resumed`.
    pub const RESUMED: &str = "resumed";
    /// `welcome.heartbeatMs`.
    pub const HEARTBEAT_MS: &str = "heartbeatMs";
    /// `welcome.head`.
    pub const HEAD: &str = "head";
    /// `welcome.expiresInMs` and `refreshed.expiresInMs`.
    pub const EXPIRES_IN_MS: &str = "expiresInMs";
    /// `ack.result`.
    pub const RESULT: &str = "result";
    /// Error and nack code.
    pub const CODE: &str = "code";
    /// Error and nack message.
    pub const MESSAGE: &str = "message";
    /// The channel of `sub`, `unsub`, `replay`, `subscribed`, `refused` and `event`.
    pub const CHANNEL: &str = "channel";
}

#[cfg(test)]
mod tests {
    use super::keys::*;
    use super::*;
    use serde_json::{json, Value};

    fn fields(v: &impl Serialize) -> Vec<String> {
        let value = serde_json::to_value(v).unwrap();
        let Value::Object(map) = value else { panic!("not an object") };
        map.keys().cloned().collect()
    }

    fn sorted(mut v: Vec<&str>) -> Vec<String> {
        v.sort();
        v.into_iter().map(String::from).collect()
    }

    #[test]
    fn key_constants_match_the_serde_types() {
        let cursor = Cursor { epoch: "e".into(), seq: 1 };
        let hello: ClientFrame<()> = ClientFrame::Hello { token: "t".into(), resume: Some(cursor.clone()) };
        let msg = Message { id: "i".into(), kind: "k".into(), topic: Some("t".into()), data: json!(1) };
        let welcome = Welcome { epoch: "e".into(), after: 0, resumed: true, heartbeat_ms: 1, head: 0, expires_in_ms: Some(1) };
        let event = Event { channel: Some("c:1".into()), seq: 1, kind: "k".into(), topic: Some("t".into()), data: json!(null) };
        let subscribed = Subscribed { channel: "c:1".into(), epoch: "e".into(), after: 0, resumed: false, head: 0 };
        let nack: ServerFrame<()> = ServerFrame::Nack { id: "i".into(), code: "c".into(), message: "m".into() };
        let retry: ServerFrame<()> = ServerFrame::Retry { id: "i".into(), code: "c".into(), message: "m".into() };
        let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
            (fields(&hello), vec![OP, TOKEN, RESUME]),
            (fields(&cursor), vec![EPOCH, SEQ]),
            (fields(&ClientFrame::<()>::Ping { id: 1 }), vec![OP, ID]),
            (fields(&ClientFrame::<()>::Replay { after: 1, channel: Some("c:1".into()) }), vec![OP, AFTER, CHANNEL]),
            (fields(&ClientFrame::<()>::Sub { channel: "c:1".into(), resume: Some(cursor.clone()) }), vec![OP, CHANNEL, RESUME]),
            (fields(&ClientFrame::<()>::Unsub { channel: "c:1".into() }), vec![OP, CHANNEL]),
            (fields(&ServerFrame::<()>::Subscribed(subscribed)), vec![OP, CHANNEL, EPOCH, AFTER, RESUMED, HEAD]),
            (fields(&ServerFrame::<()>::Refused { channel: "c:1".into(), code: "c".into(), message: "m".into() }), vec![OP, CHANNEL, CODE, MESSAGE]),
            (fields(&ClientFrame::Send(msg)), vec![OP, ID, TYPE, TOPIC, DATA]),
            (fields(&ServerFrame::<()>::Welcome(welcome)), vec![OP, EPOCH, AFTER, RESUMED, HEARTBEAT_MS, HEAD, EXPIRES_IN_MS]),
            (fields(&ServerFrame::Event(event)), vec![OP, CHANNEL, SEQ, TYPE, TOPIC, DATA]),
            (fields(&ClientFrame::<()>::Refresh { token: "t".into() }), vec![OP, TOKEN]),
            (fields(&ServerFrame::<()>::Refreshed { expires_in_ms: Some(1) }), vec![OP, EXPIRES_IN_MS]),
            (fields(&ServerFrame::Ack { id: "i".into(), result: Some(json!(1)) }), vec![OP, ID, RESULT]),
            (fields(&retry), vec![OP, ID, CODE, MESSAGE]),
            (fields(&ServerFrame::<()>::Pong { id: 1 }), vec![OP, ID]),
            (fields(&ServerFrame::<()>::Ack { id: "i".into(), result: None }), vec![OP, ID]),
            (fields(&nack), vec![OP, ID, CODE, MESSAGE]),
        ];
        for (got, want) in cases {
            let mut got = got;
            got.sort();
            assert_eq!(got, sorted(want));
        }
    }

    #[test]
    fn op_names_are_the_lowercase_variant_names() {
        let ops = |v: Value| v[OP].as_str().unwrap().to_owned();
        assert_eq!(ops(serde_json::to_value(ClientFrame::<()>::Ping { id: 1 }).unwrap()), "ping");
        assert_eq!(ops(serde_json::to_value(ClientFrame::<()>::Replay { after: 1, channel: None }).unwrap()), "replay");
        assert_eq!(ops(serde_json::to_value(ClientFrame::<()>::Unsub { channel: "c:1".into() }).unwrap()), "unsub");
        let welcome = Welcome { epoch: "e".into(), after: 0, resumed: true, heartbeat_ms: 1, head: 0, expires_in_ms: None };
        assert_eq!(ops(serde_json::to_value(ServerFrame::<()>::Welcome(welcome)).unwrap()), "welcome");
    }
}
