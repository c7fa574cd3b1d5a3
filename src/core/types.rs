//! The core's vocabulary: what happens to it (inputs), what it asks for (outputs), what it reports.

use crate::error::Error;
use crate::options::Transport;
use crate::protocol::{ClientFrame, ServerFrame};

/// Connection state as users see it (`client.state`).
///
/// ```
/// assert_eq!(spellwire::core::Phase::Reconnecting.as_str(), "reconnecting");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// An attempt is under way (token, socket, hello, welcome).
    Connecting,
    /// Welcomed by the server; events flow.
    Open,
    /// Waiting for the backoff delay before the next attempt.
    Reconnecting,
    /// The browser says there is no network; retries wait for `online`.
    Offline,
    /// Closed by `close()`, or not started (`autoConnect: false`).
    Closed,
    /// Gave up (unauthorized, or `maxAttempts` reached) until `retry()`.
    Failed,
}

impl Phase {
    /// The state's name in JavaScript.
    ///
    /// ```
    /// assert_eq!(spellwire::core::Phase::Open.as_str(), "open");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Connecting => "connecting",
            Phase::Open => "open",
            Phase::Reconnecting => "reconnecting",
            Phase::Offline => "offline",
            Phase::Closed => "closed",
            Phase::Failed => "failed",
        }
    }
}

/// Payload of the `state` event: `{ state, attempt, nextRetryMs, latencyMs, reason, transport }`.
///
/// ```
/// use spellwire::core::{Phase, StateInfo};
/// use spellwire::options::Transport;
/// let s = StateInfo { phase: Phase::Open, attempt: 0, next_retry_ms: None, latency_ms: Some(0.4), reason: None, transport: Transport::Http };
/// assert_eq!(s.phase.as_str(), "open");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StateInfo {
    /// Current state.
    pub phase: Phase,
    /// Consecutive failed attempts. A connection that stayed up `resetAfterMs` starts the count
    /// again from 0 when it ends; `retry()` and `connect()` also start from 0.
    pub attempt: u32,
    /// Time until the next attempt, while `reconnecting`.
    pub next_retry_ms: Option<f64>,
    /// Smoothed ping round-trip time, once measured.
    pub latency_ms: Option<f64>,
    /// Why the client is not open (e.g. `unauthorized`, `heartbeat_timeout`, `closed:1006`).
    pub reason: Option<String>,
    /// The transport of the current attempt (or the next one, while waiting).
    pub transport: Transport,
}

/// Counters for `client.stats()`. Channel events count in `delivered`, `replayed`,
/// `duplicates`, `gaps` and `resets` with the personal stream's.
///
/// ```
/// let s = spellwire::core::Stats::default();
/// assert_eq!(s.delivered, 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events handed to subscribers.
    pub delivered: u64,
    /// Of those, events replayed after a (re)connect (sent while the client was away).
    pub replayed: u64,
    /// Events dropped because their seq was already delivered.
    pub duplicates: u64,
    /// Gaps in the live stream for which a replay was requested.
    pub gaps: u64,
    /// Welcomes that could not resume (history gone): `reset` events emitted.
    pub resets: u64,
    /// Welcomes after the first one.
    pub reconnects: u64,
    /// Frames from the server that could not be understood.
    pub bad_frames: u64,
    /// Messages the server acked.
    pub acked: u64,
    /// Messages whose promise was rejected (queue full, too large, nack, closed).
    pub rejected: u64,
    /// Times the server asked for a message to be sent again later (`retry`: the application
    /// backend could not take it yet).
    pub retried: u64,
    /// Tokens renewed on an open socket (`refresh` answered by `refreshed`).
    pub refreshes: u64,
    /// Channel events dropped because the client does not read that channel (left, or its
    /// `subscribed` has not come yet: the replay after it resends them).
    pub stray: u64,
    /// `refused` answers to `sub` (final ones and `unavailable` alike).
    pub refused: u64,
    /// The transport in use (or next in line): the one field that is not a count.
    pub transport: Transport,
}

/// Something that happened, stamped by the caller with the time it happened.
///
/// `gen` is the generation of the socket that produced the event: anything from a socket that
/// was already replaced is ignored, so a stale `close` can never tear down its successor.
///
/// ```
/// use spellwire::core::Input;
/// let i: Input<()> = Input::Opened { gen: 1 };
/// assert!(matches!(i, Input::Opened { .. }));
/// ```
#[derive(Debug, Clone)]
pub enum Input<P> {
    /// Start connecting (page load, `connect()` or `retry()`).
    Connect,
    /// `close()`: stop for good and settle pending sends.
    Close,
    /// The token the driver fetched (or why it could not).
    Token {
        /// Generation it was fetched for.
        gen: u64,
        /// The token, or the reason the token function failed.
        token: Result<String, String>,
    },
    /// The WebSocket opened.
    Opened {
        /// Socket generation.
        gen: u64,
    },
    /// The WebSocket closed (or failed to open).
    Closed {
        /// Socket generation.
        gen: u64,
        /// Close code (1006 when the browser saw no close frame).
        code: u16,
    },
    /// A control frame arrived.
    Frame {
        /// Socket generation.
        gen: u64,
        /// The decoded frame (events come as [`Input::Event`]); `P` carries an ack's result.
        frame: ServerFrame<P>,
    },
    /// An application event of the personal stream arrived; `payload` is handed over
    /// untouched. (Channel events are [`Input::ChannelEvent`]: this, the common case, carries
    /// no channel name.)
    Event {
        /// Socket generation.
        gen: u64,
        /// Its sequence number.
        seq: u64,
        /// The event as the driver represents it (a JS object in the browser).
        payload: P,
    },
    /// An event of a channel (`event.channel` set) arrived.
    ChannelEvent {
        /// Socket generation.
        gen: u64,
        /// The channel.
        channel: String,
        /// Its sequence number within the channel.
        seq: u64,
        /// The event as the driver represents it.
        payload: P,
    },
    /// A listener joined a channel (`client.channel(...)`): the first one sends `sub`.
    JoinChannel(String),
    /// A listener left a channel: the last one sends `unsub`.
    LeaveChannel(String),
    /// A frame that could not be decoded.
    Malformed {
        /// Socket generation.
        gen: u64,
        /// What was wrong with it.
        message: String,
    },
    /// The timer asked for by [`crate::core::Core::next_wake`] fired (possibly late).
    Wake,
    /// The browser went online.
    Online,
    /// The browser went offline.
    Offline,
    /// The page became visible again: check the socket now.
    Visible,
    /// `send`: an encoded `send` frame with its id.
    Send {
        /// Message id, from [`crate::core::Core::next_message_id`].
        id: String,
        /// The encoded frame.
        text: String,
    },
}

/// Something the driver must do, or tell the page.
///
/// ```
/// use spellwire::core::Output;
/// let o: Output<()> = Output::Acked { id: "m-1".into(), result: None };
/// assert!(matches!(o, Output::Acked { .. }));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Output<P> {
    /// Get a token (string, or call the token function), then answer with [`Input::Token`].
    /// Asked before each attempt, and on an open socket before its token expires.
    FetchToken {
        /// Generation to answer with.
        gen: u64,
    },
    /// Open a link of `transport` to `url`, tagging its events with `gen`. An HTTP link
    /// behaves as a socket: it reports `Opened` at once, takes the first text (the hello) as
    /// the body of `POST {url}/stream`, and POSTs every later text to `{url}/send`.
    Open {
        /// Socket generation.
        gen: u64,
        /// The WebSocket URL, or for HTTP the base URL ([`crate::options::http_url`]).
        url: String,
        /// How to carry the frames.
        transport: Transport,
    },
    /// Close the socket of generation `gen` (its later events will be ignored).
    Close {
        /// Socket generation.
        gen: u64,
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// Encode and write a control frame.
    SendFrame(ClientFrame<()>),
    /// Write an already encoded frame.
    SendText(String),
    /// Hand an event to subscribers.
    Deliver(P),
    /// Hand a channel event to that channel's listeners.
    DeliverChannel {
        /// The channel.
        channel: String,
        /// The event.
        payload: P,
    },
    /// The server could not resume: the app should reload its state (the `reset` event).
    Reset,
    /// The server could not resume this channel: reload what it shows (`reset` with `channel`).
    ChannelReset(String),
    /// The server refused to serve a channel (`refused`): tell its error listeners and the
    /// client's `error` listeners.
    Refused {
        /// The channel.
        channel: String,
        /// `forbidden`, `bad_channel`, `too_many_channels` (final) or `unavailable` (asked
        /// again after a backoff).
        code: String,
        /// The server's words.
        message: String,
    },
    /// Resolve the promise of message `id`.
    Acked {
        /// Message id.
        id: String,
        /// The application backend's answer (send proxy), if the server passed one on.
        result: Option<P>,
    },
    /// Reject the promise of message `id`.
    Rejected {
        /// Message id.
        id: String,
        /// Why.
        error: Error,
    },
    /// Emit an `error` event.
    Error(Error),
    /// Emit a `state` event.
    State(StateInfo),
}
